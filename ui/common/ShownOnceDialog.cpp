// SPDX-License-Identifier: Apache-2.0
#include "ui/common/ShownOnceDialog.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace wfx::ui {

ShownOnceDialog::ShownOnceDialog(const QString &title, const QString &intro,
                                 const QList<Field> &fields, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(title);
    setAccessibleName(title);
    setAttribute(Qt::WA_DeleteOnClose);
    auto *layout = new QVBoxLayout(this);
    auto *introLabel = new QLabel(intro, this);
    introLabel->setWordWrap(true);
    layout->addWidget(introLabel);

    auto *form = new QFormLayout;
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (const Field &f : fields) {
        auto *row = new QHBoxLayout;
        auto *edit = new QLineEdit(f.value, this);
        edit->setObjectName(f.objectName);
        edit->setReadOnly(true);
        edit->setFont(mono);
        edit->setAccessibleName(f.label);
        edit->setMinimumWidth(edit->fontMetrics().horizontalAdvance(f.value) + 24);
        auto *copy = new QPushButton(tr("Copy"), this);
        copy->setObjectName(f.objectName + QStringLiteral("Copy"));
        copy->setAccessibleName(tr("Copy %1").arg(f.label));
        connect(copy, &QPushButton::clicked, this, [edit, copy] {
            QApplication::clipboard()->setText(edit->text());
            copy->setText(tr("Copied"));
        });
        row->addWidget(edit, 1);
        row->addWidget(copy);
        form->addRow(f.label, row);
    }
    layout->addLayout(form);

    auto *warnRow = new QHBoxLayout;
    auto *icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(24, 24));
    auto *warning =
        new QLabel(tr("<b>You will not see this again.</b> Only a hash is stored; copy it now. "
                      "If it is lost, make a new one."),
                   this);
    warning->setObjectName(QStringLiteral("shownOnceWarning"));
    warning->setWordWrap(true);
    warnRow->addWidget(icon, 0, Qt::AlignTop);
    warnRow->addWidget(warning, 1);
    layout->addLayout(warnRow);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Close)->setText(tr("I have copied it"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString ShownOnceDialog::value(const QString &objectName) const
{
    auto *edit = findChild<QLineEdit *>(objectName);
    return edit ? edit->text() : QString();
}

} // namespace wfx::ui
