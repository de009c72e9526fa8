// SPDX-License-Identifier: Apache-2.0
#include "models/core/Cursor.h"

#include "models/crypto/Crypto.h"
#include "models/db/Database.h"
#include "models/db/Tx.h"

#include <QJsonDocument>
#include <QReadWriteLock>

namespace wfx::cursor {

namespace {
// Room for every cursor encode() makes of our keys: ids and names are at most
// 255 UTF-16 units, at most 6 bytes of JSON each ("\u001f"), so a payload of
// at most ~1.6 KB, 2.1 KB in base64. (It was 1024: a billing event id of 255
// non-ASCII characters made a next-page cursor that decode() refused; found by
// tests/fuzz/fuzz_cursor_token.)
constexpr qsizetype kMaxCursorLength = 4096;
QReadWriteLock g_lock;
QByteArray &keyRef()
{
    static QByteArray key = crypto::randomBytes(32);
    return key;
}
} // namespace

void setKey(const QByteArray &key)
{
    QWriteLocker l(&g_lock);
    keyRef() = key;
}

bool loadKeyFromStore(Database &db)
{
    const QString fresh = QString::fromLatin1(crypto::randomBytes(32).toBase64());
    Query ins(db.connection(),
              QStringLiteral("INSERT INTO instance_settings (key, value) VALUES ('cursor_key', :v) "
                             "ON CONFLICT (key) DO NOTHING"));
    ins.bind(QStringLiteral(":v"), fresh);
    if (!ins.exec())
        return false;
    Query q(db.connection(),
            QStringLiteral("SELECT value FROM instance_settings WHERE key = 'cursor_key'"));
    if (!q.exec() || !q.next())
        return false;
    const QByteArray key = QByteArray::fromBase64(q.str(0).toLatin1());
    if (key.size() < 16)
        return false;
    setKey(key);
    return true;
}

QString encode(const QJsonArray &key)
{
    const QByteArray payload = QJsonDocument(key).toJson(QJsonDocument::Compact);
    QByteArray mac;
    {
        QReadLocker l(&g_lock);
        mac = crypto::hmacSha256(keyRef(), payload).left(12);
    }
    const auto opts = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
    return QString::fromLatin1(payload.toBase64(opts) + '.' + mac.toBase64(opts));
}

std::optional<QJsonArray> decode(const QString &cursor)
{
    if (cursor.isEmpty() || cursor.size() > kMaxCursorLength)
        return std::nullopt;
    const QByteArray raw = cursor.toLatin1();
    const int dot = raw.indexOf('.');
    if (dot <= 0)
        return std::nullopt;
    const auto opts = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals |
                      QByteArray::AbortOnBase64DecodingErrors;
    const auto payload = QByteArray::fromBase64Encoding(raw.left(dot), opts);
    const auto mac = QByteArray::fromBase64Encoding(raw.mid(dot + 1), opts);
    if (!payload || !mac)
        return std::nullopt;
    QByteArray expected;
    {
        QReadLocker l(&g_lock);
        expected = crypto::hmacSha256(keyRef(), *payload).left(12);
    }
    if (!crypto::constantTimeEquals(expected, *mac))
        return std::nullopt;
    const QJsonDocument doc = QJsonDocument::fromJson(*payload);
    if (!doc.isArray())
        return std::nullopt;
    return doc.array();
}

QString encodeTimeId(qint64 createdAt, const QString &id)
{
    return encode(QJsonArray{double(createdAt), id});
}

Result<TimeId> decodeTimeId(const QString &text)
{
    const auto c = decode(text);
    if (!c || c->size() != 2 || !c->at(0).isDouble() || !c->at(1).isString())
        return Error::validation(QStringLiteral("cursor"), QStringLiteral("invalid"),
                                 QStringLiteral("Unknown cursor."));
    return TimeId{qint64(c->at(0).toDouble()), c->at(1).toString()};
}

Status checkLimit(qint64 limit, qint64 max)
{
    if (limit < 1 || limit > max)
        return Error::validation(QStringLiteral("limit"), QStringLiteral("invalid"),
                                 QStringLiteral("limit must be between 1 and %1.").arg(max));
    return Ok{};
}

} // namespace wfx::cursor
