#pragma once

#include <QMainWindow>
#include <QMessageBox>

class QAction;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QPushButton;
class QToolButton;
class QTimer;

namespace presently {

class ChatWidget;
class ClientSession;
class ContactSortFilterModel;

// Contacts on the left (own status on top, filter, requests), the conversation on the right,
// the connection state in the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(ClientSession *session, QWidget *parent = nullptr);

    ChatWidget *chat() const { return m_chat; }
    void openConversation(const QString &peer);
    // The saved size and place, if it is (mostly) on a screen today; else a default size, centred
    // on the primary screen (a window saved on another monitor, or at another scale).
    void restorePlacement(const QByteArray &geometry);
    void setSortByRecent(bool recent);
    // A passing note in the status bar.
    void showNotice(const QString &text);
    // Closing hides to the tray when there is one (the session stays); else it asks to quit.
    void setHideOnClose(bool hide) { m_hideOnClose = hide; }

Q_SIGNALS:
    void signOutRequested();
    void settingsRequested();
    void sortByRecentChanged(bool recent);
    void quitRequested();
    // Closed with a tray present: the window is hidden, the session goes on.
    void hiddenToTray();

protected:
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    // Data of a row in the requests list: whose request, and whether it is ours (outgoing).
    enum RequestRole { UserRole = Qt::UserRole + 1, OutgoingRole };

    void updateOwnStatus();
    void updateConnectionState();
    // "Presently (3)" while messages are unread.
    void updateTitle();
    void updateRequests();
    // With no contacts, or none matching the filter, the list says so and what to do.
    void updateEmptyState();
    void promptAddContact();
    // Removing a contact asks first (Cancel is the default).
    // A destructive `action` asked about first, Cancel the default; true when chosen.
    bool askBeforeDoing(QMessageBox::Icon icon, const QString &title, const QString &text, const QString &action);
    void confirmRemoveContact(const QString &user);
    void confirmBlock(const QString &user);
    // Whom the user blocked, to unblock one.
    void showBlocked();
    void promptStatusText();

    ClientSession *m_session;
    ContactSortFilterModel *m_sorted;
    QLabel *m_ownDot;
    QLabel *m_ownName;
    QToolButton *m_statusButton;
    QLineEdit *m_filter;
    QListView *m_contacts;
    QLabel *m_noContacts;
    QListWidget *m_requests;
    QLabel *m_requestsTitle;
    ChatWidget *m_chat;
    QLabel *m_connection;
    QPushButton *m_retryNow; // while waiting to reconnect
    QTimer *m_connectionTimer;
    QAction *m_sortByRecent;
    bool m_hideOnClose = false;
};

} // namespace presently
