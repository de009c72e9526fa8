// SPDX-License-Identifier: Apache-2.0
// The Stripe-Signature header (t=<unix>,v1=<hex>[,...]) of POST /api/billing/webhook:
// input is "<header>\n<body>". BillingService::verifySignature is the whole
// check the route runs before it reads the body.
#include "FuzzSupport.h"

#include "models/billing/BillingService.h"
#include "models/crypto/Crypto.h"

using namespace wfx;
using namespace wfxfuzz;

namespace {
const QByteArray kSecret = "whsec_fuzz";
constexpr qint64 kNow = 1'800'000'000;
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    app();
    const auto [headerBytes, body] =
        splitAt(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)), '\n');
    const QString header = QString::fromUtf8(headerBytes);
    const Status v = BillingService::verifySignature(body, header, kSecret, kNow);
    if (v.ok()) {
        // Accepted only when some v1 is the HMAC of "<t>.<body>" for a t inside the tolerance.
        bool found = false;
        for (const QString &part : header.split(QLatin1Char(','))) {
            const qsizetype eq = part.indexOf(QLatin1Char('='));
            if (eq <= 0 || part.left(eq).trimmed() != QLatin1String("t"))
                continue;
            const QString t = part.mid(eq + 1).trimmed();
            const QString hex =
                QString::fromLatin1(crypto::hmacSha256(kSecret, t.toLatin1() + '.' + body).toHex());
            found = found || header.contains(hex, Qt::CaseInsensitive);
            break; // the first t counts
        }
        WFX_FUZZ_CHECK(found, "a header without the right HMAC was accepted: %s",
                       qPrintable(header.left(300)));
    } else {
        WFX_FUZZ_CHECK(v.error().code == ErrorCode::InvalidSignature,
                       "a refusal is invalid_signature");
    }
    // What the provider sends verifies, with the fuzzed header's candidates before or after it.
    const QString good = BillingService::signHeader(body, kSecret, kNow - 10);
    WFX_FUZZ_CHECK(BillingService::verifySignature(body, good, kSecret, kNow).ok(),
                   "a genuine header was refused");
    if (!header.contains(QLatin1String("t=")) && header.size() < 2000) {
        const QString mixed = good + QLatin1Char(',') + header;
        WFX_FUZZ_CHECK(BillingService::verifySignature(body, mixed, kSecret, kNow).ok(),
                       "extra parts after a genuine signature made it fail: %s",
                       qPrintable(mixed.left(300)));
    }
    // The body is covered: any change to it is refused.
    WFX_FUZZ_CHECK(!BillingService::verifySignature(body + 'x', good, kSecret, kNow).ok(),
                   "a changed body verified");
    return 0;
}
