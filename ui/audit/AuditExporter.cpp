// SPDX-License-Identifier: Apache-2.0
#include "ui/audit/AuditExporter.h"

#include "models/core/Ids.h"

#include <QJsonDocument>
#include <QSaveFile>

namespace wfx::ui {

QByteArray AuditExporter::csvField(const QString &value)
{
    QString v = value;
    if (!v.isEmpty() && QStringLiteral("=+-@\t\r").contains(v.front()))
        v.prepend(QLatin1Char('\''));
    if (v.contains(QLatin1Char(',')) || v.contains(QLatin1Char('"')) ||
        v.contains(QLatin1Char('\n')) || v.contains(QLatin1Char('\r')) || v != value) {
        v.replace(QStringLiteral("\""), QStringLiteral("\"\""));
        v = QLatin1Char('"') + v + QLatin1Char('"');
    }
    return v.toUtf8();
}

Result<qint64> AuditExporter::write(const ModelContext &ctx, const Actor &actor,
                                    const AuditFilter &filter, Format format, const QString &path,
                                    std::atomic<qint64> *written, const std::atomic<bool> *cancel)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{ErrorCode::Internal, file.errorString()};
    if (format == Format::Csv)
        file.write("seq,id,at,actor_id,workspace_id,action,target_type,target_id,ip,detail,prev_"
                   "hash,hash\r\n");
    else
        file.write("[");
    AuditService audit(ctx);
    QString cursor;
    qint64 n = 0;
    do {
        if (cancel && cancel->load()) {
            file.cancelWriting();
            return Error{ErrorCode::Conflict, QStringLiteral("Cancelled.")};
        }
        auto page = audit.list(actor, filter, kPageSize, cursor);
        if (!page) {
            file.cancelWriting();
            return page.error();
        }
        for (const AuditEntry &e : page->items) {
            if (format == Format::Csv) {
                const QStringList fields{
                    QString::number(e.seq),
                    e.id,
                    ids::formatTime(e.at),
                    e.actorId,
                    e.workspaceId,
                    e.action,
                    e.targetType,
                    e.targetId,
                    e.ip,
                    QString::fromUtf8(QJsonDocument(e.detail).toJson(QJsonDocument::Compact)),
                    e.prevHash,
                    e.hash};
                QByteArray line;
                for (int i = 0; i < fields.size(); ++i) {
                    if (i)
                        line += ',';
                    line += csvField(fields.at(i));
                }
                line += "\r\n";
                file.write(line);
            } else {
                file.write(n == 0 ? "\n  " : ",\n  ");
                file.write(QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact));
            }
            ++n;
        }
        if (written)
            written->store(n);
        cursor = page->nextCursor;
    } while (!cursor.isEmpty());
    if (format == Format::Json)
        file.write(n == 0 ? "]\n" : "\n]\n");
    if (!file.commit())
        return Error{ErrorCode::Internal, file.errorString()};
    return n;
}

} // namespace wfx::ui
