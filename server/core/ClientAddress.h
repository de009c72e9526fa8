// SPDX-License-Identifier: Apache-2.0
// Who the client is when the server stands behind load balancers or reverse
// proxies (--trusted-proxies): the one place that reads Forwarded (RFC 7239)
// and X-Forwarded-For.
#pragma once

#include "server/core/Http.h"

#include <QHostAddress>
#include <QList>
#include <QPair>

namespace wfx {

using Subnets = QList<QPair<QHostAddress, int>>;

// The client's address for a request that arrived from `peer`.
// - peer not in `trusted` (or nothing trusted): the peer; forwarding headers
//   are ignored, whatever they say.
// - peer trusted: the hops the headers list, then the peer, walked from the
//   right; the first address that is not itself trusted is the client (an
//   attacker can prepend anything, but not what the trusted proxies append).
//   Every hop trusted: the leftmost. A hop that is not an address ("unknown",
//   an obfuscated identifier, garbage): the trusted hop that reported it.
// - Both Forwarded and X-Forwarded-For present: ambiguous (a proxy appends to
//   one of them and the client may have sent the other), so the peer.
QHostAddress clientAddress(const QHostAddress &peer, const HeaderList &headers,
                           const Subnets &trusted);

bool inSubnets(const QHostAddress &address, const Subnets &subnets);

} // namespace wfx
