// SPDX-License-Identifier: Apache-2.0
// A table model over a keyset-paged list: the next page loads on the thread
// pool when the view asks (canFetchMore/fetchMore), one page at a time; a
// reload drops answers of the old generation. Each is a list of the store read
// as one actor; subclasses say how to load a page and how to show a row.
#pragma once

#include "models/core/Context.h"
#include "models/core/Cursor.h"
#include "models/core/Result.h"

#include "ui/common/ErrorText.h"
#include "ui/common/PagedRows.h"

#include <QAbstractTableModel>
#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>

namespace wfx::ui {

// The signals (a template cannot carry Q_OBJECT).
class PagedTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

signals:
    void loadingChanged(bool loading);
    // A page arrived (or failed: error non-empty).
    void pageLoaded(const QString &error);
};

template <typename T> class KeysetTableModel : public PagedTableModel
{
public:
    static constexpr int kPageSize = 200; // rows a page asks the store for

    KeysetTableModel(ModelContext ctx, Actor actor, int columns, QObject *parent)
        : PagedTableModel(parent), m_ctx(std::move(ctx)), m_actor(std::move(actor)),
          m_columns(columns)
    {
    }
    ~KeysetTableModel() override
    {
        // The loader captured copies only, but let it finish before we go.
        if (m_watcher)
            m_watcher->waitForFinished();
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : m_columns;
    }
    bool canFetchMore(const QModelIndex &parent) const override
    {
        return !parent.isValid() && !m_atEnd;
    }

    // Starts loading the next page off the GUI thread; a no-op while one loads.
    void fetchMore(const QModelIndex &parent) override
    {
        if (parent.isValid() || m_atEnd || m_watcher)
            return;
        m_watcher = new QFutureWatcher<Fetched>(this);
        auto *watcher = m_watcher;
        QObject::connect(watcher, &QFutureWatcher<Fetched>::finished, this, [this, watcher] {
            const Fetched fetched = watcher->result();
            watcher->deleteLater();
            if (m_watcher == watcher)
                m_watcher = nullptr;
            finishFetch(fetched);
        });
        watcher->setFuture(
            QtConcurrent::run([load = pageLoader(m_cursor), generation = m_generation]() {
                return Fetched{generation, load()};
            }));
        emit loadingChanged(true);
    }

    // Drops the rows and loads the first page again.
    void reload()
    {
        beginResetModel();
        // A million rows take tens of milliseconds to free: not on the GUI thread.
        if (auto old = m_rows.take(); !old.isEmpty())
            QThreadPool::globalInstance()->start([old = std::move(old)]() mutable { old.clear(); });
        m_cursor.clear();
        m_atEnd = false;
        m_lastError.clear();
        ++m_generation;
        endResetModel();
        // With a page in flight, its answer is for the old generation: finishFetch
        // drops it and starts the new first page then (one fetch at a time).
        fetchMore({});
    }

    bool isLoading() const { return m_watcher != nullptr; }
    bool atEnd() const { return m_atEnd; }
    QString lastError() const { return m_lastError; }

protected:
    // The work that loads the page after `cursor`, run on the thread pool: it
    // must capture copies, never `this`.
    virtual std::function<Result<Page<T>>()> pageLoader(const QString &cursor) const = 0;

    ModelContext m_ctx;
    Actor m_actor;
    // Appending a page never moves the rows already loaded (see PagedRows).
    PagedRows<T> m_rows;

private:
    struct Fetched
    {
        quint64 generation = 0;
        Result<Page<T>> page = Page<T>{};
    };

    void finishFetch(const Fetched &fetched)
    {
        if (fetched.generation == m_generation) {
            if (!fetched.page.ok()) {
                // Stop paging on an error: the view would otherwise ask again at once.
                m_atEnd = true;
                m_lastError = ErrorText::of(fetched.page.error());
            } else {
                const Page<T> &page = fetched.page.value();
                // The cursor moves before the rows are announced: a view reacting to
                // rowsInserted may call fetchMore at once, and must get the next page.
                m_cursor = page.nextCursor;
                m_atEnd = page.nextCursor.isEmpty();
                m_lastError.clear();
                if (!page.items.isEmpty()) {
                    const int first = int(m_rows.size());
                    beginInsertRows({}, first, first + int(page.items.size()) - 1);
                    m_rows.append(page.items);
                    endInsertRows();
                }
            }
        }
        if (!m_watcher)
            emit loadingChanged(false);
        if (fetched.generation == m_generation)
            emit pageLoaded(m_lastError);
        // A reset happened while the old page was loading: start the new first page.
        if (fetched.generation != m_generation && !m_watcher)
            fetchMore({});
    }

    const int m_columns;
    QString m_cursor;
    bool m_atEnd = false;
    quint64 m_generation = 0; // bumped by a reset: older answers are dropped
    QFutureWatcher<Fetched> *m_watcher = nullptr;
    QString m_lastError;
};

} // namespace wfx::ui
