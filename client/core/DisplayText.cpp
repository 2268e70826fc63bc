#include "core/DisplayText.h"

namespace presently {

QString DisplayText::isolated(const QString &userText)
{
    if (userText.isEmpty())
        return userText;
    return QChar(0x2068) + userText + QChar(0x2069);
}

} // namespace presently
