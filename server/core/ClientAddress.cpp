// SPDX-License-Identifier: Apache-2.0
#include "server/core/ClientAddress.h"

namespace wfx {

namespace {

// Splits a header list on commas outside quoted strings.
QList<QByteArray> listElements(const QByteArray &value)
{
    QList<QByteArray> out;
    QByteArray cur;
    bool quoted = false;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (quoted && c == '\\' && i + 1 < value.size()) {
            cur += value[++i];
            continue;
        }
        if (c == '"')
            quoted = !quoted;
        if (c == ',' && !quoted) {
            out.append(cur.trimmed());
            cur.clear();
            continue;
        }
        cur += c;
    }
    out.append(cur.trimmed());
    return out;
}

// An address with an optional port: 192.0.2.1, 192.0.2.1:80, [2001:db8::1], [2001:db8::1]:80,
// 2001:db8::1 (X-Forwarded-For writes IPv6 bare). Null when it is not one.
QHostAddress parseNode(QByteArray node)
{
    node = node.trimmed();
    if (node.size() >= 2 && node.startsWith('"') && node.endsWith('"'))
        node = node.mid(1, node.size() - 2);
    if (node.startsWith('[')) {
        const qsizetype end = node.indexOf(']');
        if (end < 0)
            return {};
        node = node.mid(1, end - 1);
    } else if (node.count(':') == 1) {
        node = node.left(node.indexOf(':'));
    }
    QHostAddress a;
    if (node.isEmpty() || !a.setAddress(QString::fromLatin1(node)))
        return {};
    return a;
}

// The for= node of one Forwarded element ("for=1.2.3.4;proto=https"); empty when absent.
QByteArray forwardedFor(const QByteArray &element)
{
    for (const QByteArray &pair : element.split(';')) {
        const qsizetype eq = pair.indexOf('=');
        if (eq > 0 && pair.left(eq).trimmed().toLower() == "for")
            return pair.mid(eq + 1).trimmed();
    }
    return {};
}

} // namespace

bool inSubnets(const QHostAddress &address, const Subnets &subnets)
{
    for (const auto &net : subnets) {
        if (address.isInSubnet(net))
            return true;
    }
    return false;
}

QHostAddress clientAddress(const QHostAddress &peer, const HeaderList &headers,
                           const Subnets &trusted)
{
    if (trusted.isEmpty() || !inSubnets(peer, trusted))
        return peer;
    QList<QByteArray> forwarded, xff;
    for (const auto &h : headers) {
        const QByteArray name = h.first.toLower();
        if (name == "forwarded") {
            for (const QByteArray &e : listElements(h.second))
                forwarded.append(forwardedFor(e));
        } else if (name == "x-forwarded-for") {
            xff.append(listElements(h.second));
        }
    }
    if (!forwarded.isEmpty() && !xff.isEmpty())
        return peer;
    const QList<QByteArray> &hops = forwarded.isEmpty() ? xff : forwarded;
    QHostAddress client = peer; // the hop to the right of the one being read, trusted so far
    for (qsizetype i = hops.size() - 1; i >= 0; --i) {
        const QHostAddress hop = parseNode(hops[i]);
        if (hop.isNull())
            return client;
        if (!inSubnets(hop, trusted))
            return hop;
        client = hop;
    }
    return client;
}

} // namespace wfx
