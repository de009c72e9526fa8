// SPDX-License-Identifier: Apache-2.0
#include "models/runs/SyncRequest.h"

#include "models/core/Ids.h"
#include "models/core/JsonDom.h"
#include "models/crypto/Jcs.h"
#include "models/runs/RunStatus.h"

#include <QHash>
#include <QJsonDocument>
#include <QSet>

#include <simdjson.h>

#include <cmath>

using namespace Qt::StringLiterals;

namespace wfx {

namespace {

const QString kRequired = QStringLiteral("required");
const QString kInvalid = QStringLiteral("invalid");
const QString kTooLong = QStringLiteral("too_long");
const QString kType = QStringLiteral("type");
// A value of the body in simdjson's DOM, asked what QJsonValue would be asked
// (absent, null and the JSON kinds), without building a tree.
class Json
{
public:
    Json() = default;
    explicit Json(simdjson::dom::element e) : m_e(e), m_present(true) {}
    bool isUndefined() const { return !m_present; }
    bool isNull() const { return is(simdjson::dom::element_type::NULL_VALUE); }
    bool isString() const { return is(simdjson::dom::element_type::STRING); }
    bool isDouble() const { return m_present && m_e.is_number(); }
    bool isObject() const { return is(simdjson::dom::element_type::OBJECT); }
    bool isArray() const { return is(simdjson::dom::element_type::ARRAY); }
    QString toString() const
    {
        return isString() ? jsondom::string(m_e.get_string().value_unsafe()) : QString();
    }
    double toDouble() const { return isDouble() ? jsondom::number(m_e) : 0.0; }
    // An object's member (absent: isUndefined()).
    Json value(std::string_view key) const
    {
        if (!isObject())
            return {};
        auto member = m_e.get_object().value_unsafe().at_key(key);
        return member.error() ? Json() : Json(member.value_unsafe());
    }
    simdjson::dom::element element() const { return m_e; }

private:
    bool is(simdjson::dom::element_type t) const { return m_present && m_e.type() == t; }
    simdjson::dom::element m_e;
    bool m_present = false;
};

class Issues
{
public:
    void add(const QString &field, const QString &issue)
    {
        ++m_total;
        if (m_list.size() < SyncRequest::kMaxIssues)
            m_list.append({field, issue});
    }
    bool empty() const { return m_total == 0; }
    Error error() const
    {
        QString msg = u"The run is not valid."_s;
        if (m_total > m_list.size())
            msg = u"The run is not valid (%1 problems, the first %2 listed)."_s.arg(m_total).arg(
                m_list.size());
        Error e{ErrorCode::Validation, msg};
        e.details = m_list;
        return e;
    }

private:
    QList<FieldIssue> m_list;
    qsizetype m_total = 0;
};

bool hasControl(const QString &s)
{
    for (const QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

// A text field of 1..max characters (left out: nullopt, an issue only when
// required). trim: names are trimmed, ids are exact.
std::optional<QString> text(const Json &o, const char *key, bool trim, bool required,
                            Issues &issues)
{
    const QString path = QString::fromLatin1(key);
    const Json v = o.value(key);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            issues.add(path, kRequired);
        return std::nullopt;
    }
    if (!v.isString()) {
        issues.add(path, kType);
        return {};
    }
    const QString s = trim ? v.toString().trimmed() : v.toString();
    if (s.isEmpty())
        issues.add(path, kRequired);
    else if (s.size() > SyncRequest::kMaxTextLength)
        issues.add(path, kTooLong);
    else if (hasControl(s))
        issues.add(path, kInvalid);
    return s;
}

std::optional<qint64> time(const Json &o, const char *key, Issues &issues)
{
    const Json v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString()) {
        issues.add(QString::fromLatin1(key), kType);
        return std::nullopt;
    }
    const auto t = ids::parseTime(v.toString());
    if (!t)
        issues.add(QString::fromLatin1(key), kInvalid);
    return t;
}

// 2^53: larger steps would not survive a round trip through a JSON number.
constexpr double kMaxStep = 9007199254740992.0;

void parseMetrics(const Json &o, SyncRequest &r, Issues &issues)
{
    const Json v = o.value("metrics");
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
        const Json p(element);
        if (!p.isObject()) {
            issues.add(base(), kType);
            continue;
        }
        MetricInput m;
        bool good = true;
        {
            const Json n = p.value("name");
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
            const Json s = p.value("step");
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
            const Json x = p.value("value");
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

void parseSignature(const Json &o, SyncRequest &r, Issues &issues)
{
    const Json s = o.value("signature");
    if (s.isUndefined() || s.isNull())
        return;
    if (!s.isObject()) {
        issues.add(u"signature"_s, kType);
        return;
    }
    SignatureInput sig;
    bool good = true;
    const Json alg = s.value("alg");
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
        const Json f = s.value(key);
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
    Issues issues;
    SyncRequest r;
    const Json body(document);
    if (!body.isObject()) {
        issues.add(u"body"_s, kType);
        return issues.error();
    }

    const Json pid = body.value("project_id");
    if (pid.isUndefined() || pid.isNull() || (pid.isString() && pid.toString().isEmpty()))
        issues.add(u"project_id"_s, kRequired);
    else if (!pid.isString())
        issues.add(u"project_id"_s, kType);
    else if (!ids::isUuid(pid.toString()))
        issues.add(u"project_id"_s, kInvalid);
    else
        r.projectId = pid.toString();

    r.clientRunId = text(body, "client_run_id", false, true, issues).value_or(QString());
    r.name = text(body, "name", true, false, issues);

    const Json st = body.value("status");
    if (st.isUndefined() || st.isNull())
        ; // a new run is completed, a stored one keeps its status
    else if (!st.isString())
        issues.add(u"status"_s, kType);
    else if (!isStatus(st.toString()))
        issues.add(u"status"_s, kInvalid);
    else
        r.status = st.toString();

    r.startedAt = time(body, "started_at", issues);
    r.finishedAt = time(body, "finished_at", issues);
    if (r.startedAt && r.finishedAt && *r.finishedAt < *r.startedAt)
        issues.add(u"finished_at"_s, kInvalid);

    const Json man = body.value("manifest");
    if (man.isObject()) {
        r.manifest = jsondom::toValue(man.element()).toObject();
    } else if (!man.isUndefined() && !man.isNull()) {
        issues.add(u"manifest"_s, kType);
    }
    r.manifestCanonical = jcs::canonicalize(r.manifest.value_or(QJsonObject()));
    if (r.manifestCanonical.size() > kMaxManifestBytes)
        issues.add(u"manifest"_s, kTooLong);

    parseMetrics(body, r, issues);

    const Json log = body.value("log");
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
    const Json offset = body.value("log_offset");
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
        return issues.error();
    return r;
}

} // namespace wfx
