// SPDX-License-Identifier: Apache-2.0
// Compact JSON straight into one reserved QByteArray, for hot answers (run
// pages, share reads) where building a QJsonObject tree cost more than the
// query. The bytes are those QJsonDocument::Compact writes for the same values
// when keys are given in sorted order (QJsonObject sorts them): strings escaped
// the same way (lone surrogates as \uXXXX), integral doubles as integers,
// non-finite numbers as null.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonValue>
#include <QString>

#include <cstdint>

namespace wfx {

class JsonWriter
{
public:
    explicit JsonWriter(qsizetype reserve = 1024) { m_out.reserve(reserve); }

    JsonWriter &beginObject() { return open('{'); }
    JsonWriter &endObject() { return close('}'); }
    JsonWriter &beginArray() { return open('['); }
    JsonWriter &endArray() { return close(']'); }
    // Inside an object: the next member's key (callers give keys in sorted order
    // when the bytes must match QJsonDocument's).
    JsonWriter &key(QLatin1String k);
    JsonWriter &string(const QString &s);
    JsonWriter &string(QLatin1String s);
    // UTF-8 bytes (a store's text column) as a JSON string: the bytes string()
    // writes for QString::fromUtf8(utf8), without making that QString.
    JsonWriter &stringUtf8(QByteArrayView utf8);
    // A time as ids::formatTime writes it ("2026-12-06T10:00:00.000Z").
    JsonWriter &time(qint64 ms);
    JsonWriter &integer(qint64 v);
    JsonWriter &number(double v);
    JsonWriter &boolean(bool v);
    JsonWriter &null();
    // A value already written as compact JSON (by another JsonWriter).
    JsonWriter &raw(QByteArrayView json);
    // Any QJsonValue (objects and arrays through QJsonDocument).
    JsonWriter &value(const QJsonValue &v);

    const QByteArray &bytes() const { return m_out; }
    QByteArray take() { return std::move(m_out); }

    // `s` as a JSON string literal (with quotes) appended to `out`.
    static void appendEscaped(QByteArray &out, const QString &s);
    static void appendEscaped(QByteArray &out, QLatin1String s);
    static void appendEscapedUtf8(QByteArray &out, QByteArrayView utf8);

private:
    JsonWriter &open(char c);
    JsonWriter &close(char c);
    void separate();
    // separate()'s decision without writing it: true when a comma is due.
    bool commaDue();
    // n more bytes at the end, for the caller to fill (one resize, no append chain).
    char *extend(qsizetype n);

    QByteArray m_out;
    // One bit per open container: set once it holds an element (a comma is due).
    std::uint64_t m_filled = 0;
    int m_depth = 0;
    bool m_afterKey = false;
};

} // namespace wfx
