// SPDX-License-Identifier: Apache-2.0
#include "ui/common/JobProgress.h"

#include <QProgressBar>
#include <QPushButton>
#include <QTimer>

namespace wfx::ui {

JobProgress::JobProgress(QWidget *parent, const QString &barName, const QString &barAccessibleName,
                         const QString &cancelText, const QString &cancelName)
    : QObject(parent)
{
    m_bar = new QProgressBar(parent);
    m_bar->setObjectName(barName);
    m_bar->setAccessibleName(barAccessibleName);
    m_bar->hide();
    m_cancel = new QPushButton(cancelText, parent);
    m_cancel->setObjectName(cancelName);
    m_cancel->hide();
    m_poll = new QTimer(this);
    m_poll->setInterval(kPollMs);
    connect(m_poll, &QTimer::timeout, this, [this] {
        if (m_counters)
            emit polled(m_counters->done.load(), m_counters->total.load());
    });
    connect(m_cancel, &QPushButton::clicked, this, &JobProgress::cancel);
}

JobProgress::~JobProgress()
{
    if (m_counters)
        m_counters->cancel = true;
}

std::shared_ptr<JobProgress::Counters> JobProgress::start()
{
    m_counters = std::make_shared<Counters>();
    m_bar->setValue(0);
    m_bar->show();
    m_cancel->setEnabled(true);
    m_cancel->show();
    m_poll->start();
    return m_counters;
}

void JobProgress::finish()
{
    m_counters.reset();
    m_poll->stop();
    m_bar->hide();
    m_cancel->hide();
}

bool JobProgress::cancel()
{
    if (!m_counters)
        return false;
    m_counters->cancel = true;
    m_cancel->setEnabled(false);
    emit cancelled();
    return true;
}

} // namespace wfx::ui
