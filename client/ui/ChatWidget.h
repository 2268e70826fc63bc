#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class QToolButton;

namespace presently {

class ClientSession;
class ConversationModel;

// One conversation: messages (older ones load as you scroll up), a typing line, and the input
// (Enter sends, Shift+Enter starts a new line).
class ChatWidget : public QWidget {
    Q_OBJECT
public:
    explicit ChatWidget(ClientSession *session, QWidget *parent = nullptr);

    // Shows `peer`'s conversation; `focusInput` puts the cursor in the composer (clicked or Enter,
    // not when arrowing through the contact list).
    void showConversation(const QString &peer, bool focusInput = true);
    // Ctrl+F: the find bar, searching this conversation's loaded messages, newest first.
    void startFind();
    // Shows no conversation (signed out).
    void clear();
    const QString &peer() const { return m_peer; }
    // Sends read receipts when the conversation is really in view.
    void markReadIfVisible();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void send();
    void scrollToBottomIfNear(bool force);
    // Older messages above: the view holds its place (distance from the bottom) while they lay out.
    void onRowsAboutToBeInserted(int first);
    // New messages below while the user reads further up: the "new messages" button counts them.
    void onRowsInserted(int first, int last);
    void placeNewBelowButton();
    void updateLimit();
    // The header: the contact's dot, name and status line, live.
    void updateHeader();
    // Selects the newest message before row `before` containing the find text; false if none.
    bool findFrom(int before);
    void closeFind();
    // Copy, open its links; retry or delete one the server refused (MessageActions).
    void offerMessageActions(const QPoint &at);

    ClientSession *m_session;
    QString m_peer;
    ConversationModel *m_model = nullptr;
    QLabel *m_titleDot; // the contact's status dot
    QLabel *m_title;
    QLabel *m_subtitle; // status text, or "last seen …"
    QLineEdit *m_find;
    QListView *m_view;
    QLabel *m_typing;
    QPlainTextEdit *m_input;
    QPushButton *m_sendButton;
    QLabel *m_limit;         // characters left, near and past the server's limit
    QToolButton *m_newBelow; // "3 new messages ↓", over the view's bottom right
    QTimer *m_typingThrottle;
    bool m_stickToBottom = true;
    int m_anchorFromBottom = -1; // >= 0: held while older messages lay out
    bool m_adjusting = false;    // our own scroll, not the user's
    int m_unseenBelow = 0;
    bool m_showingDraft = false; // the input is being filled from a draft, not typed
};

} // namespace presently
