#pragma once

#include <QString>

namespace presently {

// How text other people wrote is set among ours.
class DisplayText {
public:
    // Isolated (FSI … PDI, Unicode's bidirectional isolates): whatever direction marks or
    // right-to-left letters it holds, it cannot reorder the text around it ("bob, online, …"),
    // and it takes its own direction from its first strong letter.
    static QString isolated(const QString &userText);
};

} // namespace presently
