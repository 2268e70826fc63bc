#pragma once

#include <QModelIndex>
#include <QStringList>

class QMenu;

namespace presently {

class ClientSession;

// What can be done with one message of a conversation: copy its text, open the links in it, and
// for one the server refused for good, retry or delete it.
class MessageActions {
public:
    // The http(s) links in a message body, in order, each once.
    static QStringList links(const QString &body);
    // Adds the actions for the message at `index` (of `peer`'s conversation) to `menu`.
    static void fill(QMenu *menu, const QModelIndex &index, ClientSession *session, const QString &peer);
    static void copyText(const QModelIndex &index);
    // Opens the message's first link in the browser; false if it has none.
    static bool openFirstLink(const QModelIndex &index);
};

} // namespace presently
