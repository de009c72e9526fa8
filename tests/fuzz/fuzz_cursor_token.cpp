// SPDX-License-Identifier: Apache-2.0
// What clients hand back to us as opaque text: keyset cursors (cursor::decode,
// decodeTimeId) and share tokens or pasted share links (ShareService::
// isWellFormedToken, PublicShareResolver::explain over a store holding one real
// share). In the input "@T" stands for that share's token and "@I" for its id,
// so the fuzzer can wrap real values in link syntax, percent-encoding and junk.
#include "FuzzSupport.h"

#include "models/core/Cursor.h"
#include "models/shares/PublicShareResolver.h"
#include "models/shares/ShareService.h"

#include <QJsonDocument>
#include <QtEndian>

using namespace wfx;
using namespace wfxfuzz;

namespace {
struct Shares
{
    World::Owner owner = world().owner();
    IssuedShare issued;
    Shares()
    {
        auto s = world().services->shares.create(owner.actor, ShareDraft{owner.runId, {}, {}, {}});
        if (!s)
            qFatal("share: %s", qPrintable(s.error().message));
        issued = *s;
    }
};

Shares &shares()
{
    static Shares *s = new Shares;
    return *s;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    Shares &sh = shares();
    const QByteArray in(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString text = QString::fromUtf8(in);

    // Cursors: only what we issued decodes, and what we issue decodes to itself.
    if (const auto c = cursor::decode(text)) {
        WFX_FUZZ_CHECK(cursor::decode(cursor::encode(*c)) == c, "re-encoded cursor differs");
    }
    if (const auto t = cursor::decodeTimeId(text); !t)
        WFX_FUZZ_CHECK(t.error().code == ErrorCode::Validation,
                       "a bad cursor is a validation error");
    const QJsonDocument asJson = QJsonDocument::fromJson(in);
    if (asJson.isArray()) {
        const auto back = cursor::decode(cursor::encode(asJson.array()));
        WFX_FUZZ_CHECK(back && *back == asJson.array(), "cursor of %s did not round-trip",
                       in.left(200).constData());
    }
    // Every key the store can hold (ids and names of at most 255 UTF-16 units) makes
    // a cursor that decodes back.
    if (text.size() <= 255) {
        const qint64 n =
            (in.size() >= 8 ? qFromLittleEndian<qint64>(data) : qint64(size)) & ((1LL << 53) - 1);
        const auto tid = cursor::decodeTimeId(cursor::encodeTimeId(n, text));
        WFX_FUZZ_CHECK(tid && tid->createdAt == n && tid->id == text, "time/id cursor round trip");
    }

    // Share tokens.
    if (ShareService::isWellFormedToken(text)) {
        WFX_FUZZ_CHECK(text.size() == 48 && text.startsWith(QLatin1String("wfxs_")),
                       "well-formed token shape");
        WFX_FUZZ_CHECK(ShareService::tokenHash(text).size() == 64, "token hash is 64 hex digits");
    }
    QString pasted = text;
    pasted.replace(QLatin1String("@T"), sh.issued.token)
        .replace(QLatin1String("@I"), sh.issued.share.id);
    auto ex = world().services->publicShares.explain(sh.owner.actor, pasted, {});
    WFX_FUZZ_CHECK(ex.ok(), "explain failed on a store that works: %s",
                   qPrintable(ex.ok() ? QString() : ex.error().message));
    WFX_FUZZ_CHECK(ex->shareId.isEmpty() || ex->shareId == sh.issued.share.id,
                   "explain named another share");
    if (!ex->shareId.isEmpty()) {
        WFX_FUZZ_CHECK(pasted.contains(sh.issued.token) ||
                           pasted.contains(sh.issued.share.id, Qt::CaseInsensitive) ||
                           pasted.contains(QLatin1Char('%')),
                       "a share was found in text holding neither its token nor its id: %s",
                       qPrintable(pasted.left(300)));
    }
    // Another actor never learns that the share exists.
    static const Actor stranger = world().owner().actor;
    auto other = world().services->publicShares.explain(stranger, pasted, {});
    WFX_FUZZ_CHECK(other.ok() && other->shareId.isEmpty(), "a stranger saw the share");
    return 0;
}
