// SPDX-License-Identifier: Apache-2.0
// JSON request bodies against the real route table's body schemas: the first
// byte picks a route that takes a body, the rest is the body. Dispatcher::parseJson
// (the strict reader, core/JsonReader, then the schema) is what the dispatcher
// runs before any handler. The reader's two verdicts, simdjson's and the scan
// that names the offset, must agree on every input, and so must the schema's
// walk over Qt's tree and over simdjson's DOM.
#include "FuzzSupport.h"

#include "server/core/JsonReader.h"
#include "server/core/Schema.h"

#include <QJsonDocument>

using namespace wfx;
using namespace wfxfuzz;

namespace {
const std::vector<const Route *> &bodyRoutes()
{
    static const std::vector<const Route *> routes = [] {
        std::vector<const Route *> out;
        for (const Route &r : world().table.routes()) {
            if (!r.requestSchema.isEmpty())
                out.push_back(&r);
        }
        return out;
    }();
    return routes;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const auto &routes = bodyRoutes();
    const Route &route = *routes[data[0] % routes.size()];
    const QByteArray body(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    // simdjson refuses exactly what the scan finds a flaw in (duplicate keys are
    // the walk's own refusal, on a well-formed document).
    if (!body.isEmpty()) {
        const auto read = JsonReader::read(body);
        const auto flaw = JsonReader::findFlaw(body);
        const bool duplicate = !read && read.error().details.value(0).issue == L("duplicate_key");
        WFX_FUZZ_CHECK(read.ok() || duplicate || flaw.has_value(),
                       "refused without a flaw found: %s", qPrintable(read.error().message));
        WFX_FUZZ_CHECK(!flaw || !read.ok(), "accepted although the scan finds a flaw at %lld: %s",
                       static_cast<long long>(flaw ? flaw->offset : -1), flaw ? flaw->what : "");
        WFX_FUZZ_CHECK(!flaw || (flaw->offset >= 0 && flaw->offset <= body.size()),
                       "offset outside the body");
        WFX_FUZZ_CHECK(!duplicate || !flaw, "a duplicate key reported in a malformed document");
        // Qt's builder (on validated text) and ours give the same value.
        const auto walked = JsonReader::read(body, JsonReader::Builder::WalkBuilds);
        WFX_FUZZ_CHECK(walked.ok() == read.ok(), "the two builders disagree on acceptance");
        if (read.ok()) {
            WFX_FUZZ_CHECK(walked.value() == read.value() &&
                               walked.value().toVariant() == read.value().toVariant(),
                           "the two builders built different values");
            // The schema over simdjson's DOM (bodyAsDom() routes) finds exactly what it finds over
            // the tree.
            QList<FieldIssue> tree, dom;
            route.requestValidator.validate(read.value(), tree);
            const Status again = JsonReader::readDom(body, [&](const simdjson::dom::element &root) {
                route.requestValidator.validate(root, dom);
            });
            WFX_FUZZ_CHECK(again.ok(), "readDom refused a body read() accepted");
            bool same = tree.size() == dom.size();
            for (qsizetype i = 0; same && i < tree.size(); ++i)
                same = tree.at(i).field == dom.at(i).field && tree.at(i).issue == dom.at(i).issue;
            WFX_FUZZ_CHECK(same, "%s %s: the schema over the DOM and over the tree disagree",
                           route.method.constData(), qPrintable(route.path));
        }
    }

    const auto parsed = Dispatcher::parseJson(body, route.requestSchema);
    if (!parsed) {
        WFX_FUZZ_CHECK(parsed.error().code == ErrorCode::Validation,
                       "a refused body must be a validation error");
        WFX_FUZZ_CHECK(!parsed.error().details.isEmpty(),
                       "a refused body names at least one field");
        for (const FieldIssue &d : parsed.error().details)
            WFX_FUZZ_CHECK(!d.field.isEmpty() && !d.issue.isEmpty(),
                           "every issue has a field and a reason");
        return 0;
    }
    const QJsonValue value = parsed.value();
    // Any kind of document parses; the schema lets through only the kind it names.
    if (route.requestSchema.value(L("type")) == L("object"))
        WFX_FUZZ_CHECK(value.isObject(), "an object schema accepted another kind of document");
    if (!value.isObject() && !value.isArray())
        return 0;
    // Accepted bodies stay accepted after a round trip through their serialisation:
    // nothing a handler re-reads or stores can turn invalid.
    const QByteArray again = value.isObject()
                                 ? QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact)
                                 : QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    const auto reparsed = Dispatcher::parseJson(again, route.requestSchema);
    WFX_FUZZ_CHECK(reparsed.ok(), "%s %s: accepted body refused after a round trip: %s",
                   route.method.constData(), qPrintable(route.path), again.left(200).constData());
    // As variants: QJsonObject's == depends on the order keys were inserted in.
    WFX_FUZZ_CHECK(reparsed.value().toVariant() == value.toVariant(),
                   "the round trip changed the value");
    // Every required property of an object schema is present and not null.
    if (value.isObject() && route.requestSchema.value(L("type")) == L("object")) {
        const QJsonObject o = value.toObject();
        for (const auto &r : route.requestSchema.value(L("required")).toArray()) {
            WFX_FUZZ_CHECK(o.contains(r.toString()) && !o.value(r.toString()).isNull(),
                           "required %s missing", qPrintable(r.toString()));
        }
    }
    return 0;
}
