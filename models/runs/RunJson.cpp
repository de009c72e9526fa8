// SPDX-License-Identifier: Apache-2.0
// The JSON of a run and of what is read about it (points, log slices,
// signatures, compliance items).
#include "models/runs/RunJson.h"

#include "models/core/Ids.h"
#include "models/db/NativeQuery.h"

using namespace Qt::StringLiterals;

namespace wfx {

RunView runView(const NativeQuery &q)
{
    RunView v;
    shape::readColumns<kRunFields<RunView>>(q, v);
    return v;
}

void writeRunJson(JsonWriter &w, const RunView &r)
{
    shape::writeJson<kRunFields<RunView>>(w, r);
}

QJsonObject Run::toJson() const
{
    return shape::toJson<kRunFields<Run>>(*this);
}

void Run::writeJson(JsonWriter &w) const
{
    shape::writeJson<kRunFields<Run>>(w, *this);
}

QJsonObject MetricPoint::toJson() const
{
    return {{u"name"_s, name}, {u"step"_s, double(step)}, {u"value"_s, value}};
}

QJsonObject LogSlice::toJson() const
{
    return {{u"content"_s, content},
            {u"offset"_s, double(offset)},
            {u"total_bytes"_s, double(totalBytes)},
            {u"next_offset"_s,
             nextOffset < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(double(nextOffset))}};
}

QJsonObject RunSignature::toJson() const
{
    if (!present)
        return {{u"run_id"_s, runId},
                {u"evidence"_s, evidence},
                {u"signature"_s, QJsonValue(QJsonValue::Null)}};
    return shape::toJson<kRunSignatureFields>(*this);
}

QJsonObject ComplianceItem::toJson() const
{
    return shape::toJson<kComplianceItemFields>(*this);
}

} // namespace wfx
