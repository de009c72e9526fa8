// SPDX-License-Identifier: Apache-2.0
// The rows of a paged table model: fixed-size chunks that are never moved, so
// appending a page costs the page and not the rows already loaded (a QList
// doubling at a million rows would copy every one of them on the GUI thread).
// Row i is chunk i / kChunk, slot i % kChunk: at() is O(1). clear() and
// take() hand the chunks out whole, so a caller can free a million rows off
// the GUI thread.
#pragma once

#include <QList>

#include <cstddef>
#include <iterator>
#include <utility>

namespace wfx::ui {

template <typename T> class PagedRows
{
public:
    static constexpr qsizetype kChunk = 256;
    using Chunks = QList<QList<T>>;

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    const T &at(qsizetype i) const
    {
        Q_ASSERT(i >= 0 && i < m_size);
        return m_chunks.at(i / kChunk).at(i % kChunk);
    }
    const T &operator[](qsizetype i) const { return at(i); }

    // Appends the rows of a page; the rows already here stay where they are.
    void append(const QList<T> &rows)
    {
        for (const T &row : rows)
            append(row);
    }
    void append(const T &row)
    {
        if (m_chunks.isEmpty() || m_chunks.constLast().size() == kChunk) {
            m_chunks.emplaceBack();
            m_chunks.last().reserve(kChunk); // filled in place: never reallocates
        }
        m_chunks.last().append(row);
        ++m_size;
    }
    void clear() { take(); }
    // Empties the rows and returns their chunks (to be destroyed elsewhere).
    Chunks take()
    {
        m_size = 0;
        return std::exchange(m_chunks, {});
    }

    class const_iterator
    {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = const T *;
        using reference = const T &;

        const_iterator() = default;
        const_iterator(const PagedRows *rows, qsizetype i) : m_rows(rows), m_i(i) {}
        reference operator*() const { return m_rows->at(m_i); }
        pointer operator->() const { return &m_rows->at(m_i); }
        const_iterator &operator++()
        {
            ++m_i;
            return *this;
        }
        const_iterator operator++(int)
        {
            const_iterator old = *this;
            ++m_i;
            return old;
        }
        bool operator==(const const_iterator &o) const { return m_i == o.m_i; }
        bool operator!=(const const_iterator &o) const { return m_i != o.m_i; }

    private:
        const PagedRows *m_rows = nullptr;
        qsizetype m_i = 0;
    };
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, m_size}; }

private:
    Chunks m_chunks;
    qsizetype m_size = 0;
};

} // namespace wfx::ui
