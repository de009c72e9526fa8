// SPDX-License-Identifier: Apache-2.0
#include "models/runs/SyncRequest.h"

#include "models/core/Ids.h"
#include "models/core/JsonDom.h"
#include "models/core/ShapeInput.h"
#include "models/crypto/Jcs.h"
#include "models/runs/RunJson.h"
#include "models/runs/RunStatus.h"

#include <QHash>
#include <QJsonDocument>
#include <QSet>

#include <cmath>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

using shape::BodyValue;
using shape::hasControl;
using Issues = shape::BodyIssues;

const QString kRequired = QStringLiteral("required");
const QString kInvalid = QStringLiteral("invalid");
const QString kTooLong = QStringLiteral("too_long");
const QString kType = QStringLiteral("type");

// 2^53: larger steps would not survive a round trip through a JSON number.
constexpr double kMaxStep = 9007199254740992.0;

void parseMetrics(const BodyValue &o, SyncRequest &r, Issues &issues)
{
    const BodyValue v = o.value("metrics");
    if (v.isUndefined() || v.isNull())
        return;
    if (!v.isArray()) {
        issues.add(u"metrics"_s, kType);
        return;
    }
    const simdjson::dom::array a = v.element().get_array().value_unsafe();
    const qsizetype size = qsizetype(a.size());
    if (size > SyncRequest::kMaxMetricPoints) {
        issues.add(u"metrics"_s, kTooLong);
        return;
    }
    r.metrics.reserve(size);
    QHash<QString, QSet<qint64>> seen;
    QSet<qint64> *steps = nullptr; // seen[lastName]; valid until the next new key
    QString lastName;
    qsizetype i = -1;
    for (const simdjson::dom::element element : a) {
        ++i;
        // Paths are spelled only for an issue: most points have none.
        auto base = [i]() -> QString { return u"metrics."_s + QString::number(i); };
        const BodyValue p(element);
        if (!p.isObject()) {
            issues.add(base(), kType);
            continue;
        }
        MetricInput m;
        bool good = true;
        {
            const BodyValue n = p.value("name");
            auto path = [&base]() -> QString { return base() + u".name"_s; };
            if (n.isUndefined() || n.isNull()) {
                issues.add(path(), kRequired);
                good = false;
            } else if (!n.isString()) {
                issues.add(path(), kType);
                good = false;
            } else {
                m.name = n.toString();
                if (m.name.isEmpty()) {
                    issues.add(path(), kRequired);
                    good = false;
                } else if (m.name.size() > SyncRequest::kMaxTextLength) {
                    issues.add(path(), kTooLong);
                    good = false;
                } else if (hasControl(m.name)) {
                    issues.add(path(), kInvalid);
                    good = false;
                }
            }
        }
        {
            const BodyValue s = p.value("step");
            auto path = [&base]() -> QString { return base() + u".step"_s; };
            if (s.isUndefined() || s.isNull()) {
                issues.add(path(), kRequired);
                good = false;
            } else if (!s.isDouble()) {
                issues.add(path(), kType);
                good = false;
            } else {
                const double d = s.toDouble();
                if (!std::isfinite(d) || d < 0 || d > kMaxStep || std::floor(d) != d) {
                    issues.add(path(), kInvalid);
                    good = false;
                } else {
                    m.step = qint64(d);
                }
            }
        }
        {
            const BodyValue x = p.value("value");
            auto path = [&base]() -> QString { return base() + u".value"_s; };
            if (x.isUndefined() || x.isNull()) {
                issues.add(path(), kRequired);
                good = false;
            } else if (!x.isDouble()) {
                issues.add(path(), kType);
                good = false;
            } else if (!std::isfinite(x.toDouble())) {
                issues.add(path(), kInvalid);
                good = false;
            } else {
                m.value = x.toDouble();
            }
        }
        if (!good)
            continue;
        // One value per (name, step): a second one would be ambiguous. Points
        // of one series mostly come together: the last series' steps are at hand.
        if (!steps || m.name != lastName) {
            steps = &seen[m.name];
            lastName = m.name;
        }
        if (steps->contains(m.step)) {
            issues.add(base(), u"duplicate"_s);
            continue;
        }
        steps->insert(m.step);
        r.metrics.append(m);
    }
}

void parseSignature(const BodyValue &o, SyncRequest &r, Issues &issues)
{
    const BodyValue s = o.value("signature");
    if (s.isUndefined() || s.isNull())
        return;
    if (!s.isObject()) {
        issues.add(u"signature"_s, kType);
        return;
    }
    SignatureInput sig;
    bool good = true;
    const BodyValue alg = s.value("alg");
    if (alg.isUndefined() || alg.isNull()) {
        issues.add(u"signature.alg"_s, kRequired);
        good = false;
    } else if (!alg.isString()) {
        issues.add(u"signature.alg"_s, kType);
        good = false;
    } else if (alg.toString() != QLatin1String("ed25519")) {
        issues.add(u"signature.alg"_s, kInvalid);
        good = false;
    }
    // Keys and signatures that do not decode are not refused: the run is kept
    // and its evidence says "unverified".
    auto field = [&](const char *key, QString *out) {
        const QString path = u"signature."_s + QString::fromLatin1(key);
        const BodyValue f = s.value(key);
        if (f.isUndefined() || f.isNull() || (f.isString() && f.toString().isEmpty())) {
            issues.add(path, kRequired);
            good = false;
        } else if (!f.isString()) {
            issues.add(path, kType);
            good = false;
        } else if (f.toString().size() > SyncRequest::kMaxSignatureField) {
            issues.add(path, kTooLong);
            good = false;
        } else {
            *out = f.toString();
        }
    };
    field("public_key", &sig.publicKey);
    field("sig", &sig.sig);
    if (good) {
        sig.alg = u"ed25519"_s;
        r.signature = sig;
    }
}

} // namespace

bool SyncRequest::isStatus(const QString &s)
{
    return statusRank(s) >= 0;
}

int SyncRequest::statusRank(const QString &s)
{
    const std::optional<RunStatus> status = shape::enumFrom<RunStatus>(s);
    if (!status)
        return -1;
    return *status == RunStatus::Queued ? 0 : *status == RunStatus::Running ? 1 : 2;
}

Result<SyncRequest> SyncRequest::parse(const QJsonObject &body)
{
    // One reader of the body: Qt's tree (tests, the console's own samples) as
    // the JSON text it stands for, read like a request's.
    thread_local simdjson::dom::parser parser;
    const QByteArray text = QJsonDocument(body).toJson(QJsonDocument::Compact);
    simdjson::dom::element root;
    if (parser.parse(text.constData(), size_t(text.size())).get(root))
        return Error::validation(u"body"_s, u"malformed_json"_s, u"The body is not valid JSON."_s);
    return parse(root);
}

Result<SyncRequest> SyncRequest::parse(const simdjson::dom::element &document)
{
    Issues issues(kMaxIssues);
    SyncRequest r;
    const BodyValue body(document);
    if (!body.isObject()) {
        issues.add(u"body"_s, kType);
        return issues.error(u"run"_s);
    }

    r.sent = shape::readInput<kRunFields<Run>>(body, r.run, issues);
    if (r.run.startedAt && r.run.finishedAt && *r.run.finishedAt < *r.run.startedAt)
        issues.add(u"finished_at"_s, kInvalid);

    const BodyValue man = body.value("manifest");
    if (man.isObject()) {
        r.manifest = jsondom::toValue(man.element()).toObject();
    } else if (!man.isUndefined() && !man.isNull()) {
        issues.add(u"manifest"_s, kType);
    }
    r.manifestCanonical = jcs::canonicalize(r.manifest.value_or(QJsonObject()));
    if (r.manifestCanonical.size() > kMaxManifestBytes)
        issues.add(u"manifest"_s, kTooLong);

    parseMetrics(body, r, issues);

    const BodyValue log = body.value("log");
    if (log.isString()) {
        const QString l = log.toString();
        if (l.contains(QChar(0)))
            issues.add(u"log"_s, kInvalid);
        // UTF-8 takes at least one byte per UTF-16 unit and at most three.
        else if (l.size() > kMaxLogBytes ||
                 (l.size() * 3 > kMaxLogBytes && l.toUtf8().size() > kMaxLogBytes))
            issues.add(u"log"_s, kTooLong);
        r.log = l;
    } else if (!log.isUndefined() && !log.isNull()) {
        issues.add(u"log"_s, kType);
    }
    const BodyValue offset = body.value("log_offset");
    if (offset.isUndefined() || offset.isNull()) {
        r.logOffset = 0;
    } else if (!offset.isDouble()) {
        issues.add(u"log_offset"_s, kType);
    } else {
        const double d = offset.toDouble();
        if (!std::isfinite(d) || d < 0 || d > kMaxStep || std::floor(d) != d)
            issues.add(u"log_offset"_s, kInvalid);
        else
            r.logOffset = qint64(d);
    }

    parseSignature(body, r, issues);

    if (!issues.empty())
        return issues.error(u"run"_s);
    return r;
}

} // namespace wfx
