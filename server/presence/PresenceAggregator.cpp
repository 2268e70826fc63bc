#include "presence/PresenceAggregator.h"

namespace presently {

bool PresenceAggregator::apply(UserPresence &visible, const Input &in)
{
    Status status;
    if (in.liveSessions == 0 || in.mode == Mode::Invisible)
        status = Status::Offline;
    else if (in.mode == Mode::Dnd)
        status = Status::Dnd;
    else
        status = in.anyActive ? Status::Online : Status::Idle;

    QString text = in.text;
    QStringList devices;
    if (status != Status::Offline) {
        devices = in.devices;
        devices.sort();
        devices.removeDuplicates();
    } else {
        text.clear();
    }

    const bool changed = status != visible.status || text != visible.text || devices != visible.devices;
    if (status != visible.status) {
        visible.since = in.nowMs;
        if (status == Status::Offline)
            visible.lastSeen = in.offlineSeenMs;
    }
    if (status != Status::Offline)
        visible.lastSeen = in.nowMs;
    visible.status = status;
    visible.text = text;
    visible.devices = devices;
    return changed;
}

} // namespace presently
