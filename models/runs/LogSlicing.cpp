// SPDX-License-Identifier: Apache-2.0
#include "models/runs/LogSlicing.h"

#include <algorithm>

namespace wfx {

LogSlice sliceLog(const QByteArray &bytes, qint64 offset, qint64 limit)
{
    const qint64 total = bytes.size();
    auto continuation = [&](qint64 i) { return i < total && (quint8(bytes.at(i)) & 0xC0) == 0x80; };
    LogSlice slice;
    slice.totalBytes = total;
    qint64 start = offset;
    while (continuation(start)) // an offset inside a character starts at the next one
        ++start;
    slice.offset = start;
    if (start >= total)
        return slice;
    qint64 end = std::min(total, start + limit);
    while (end > start && continuation(end))
        --end;
    if (end == start) { // a limit smaller than one character still moves on
        end = start + 1;
        while (continuation(end))
            ++end;
    }
    slice.content = QString::fromUtf8(bytes.mid(start, end - start));
    slice.nextOffset = end < total ? end : -1;
    return slice;
}

} // namespace wfx
