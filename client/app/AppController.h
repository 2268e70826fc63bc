#pragma once

#include "app/AppSettings.h"
#include "protocol/Protocol.h"
#include "ui/SettingsDialog.h"

#include <QObject>
#include <QPointer>

namespace presently {

class ClientSession;
class IdleMonitor;
class MessageNotifier;
class MainWindow;
class SignInDialog;
class TokenVault;
class TrayIcon;

struct ClientOptions {
    QString profile = QStringLiteral("default");
    QString server; // overrides the saved one
    QString user;   // prefills the sign-in dialog
};

// Puts the app together: settings per profile, the session, idle detection, keychain, tray,
// the sign-in dialog and the main window, and the flow between them.
class AppController : public QObject {
    Q_OBJECT
public:
    explicit AppController(const ClientOptions &options, QObject *parent = nullptr);
    ~AppController() override;

    void start();
    // Ends the session with `bye` (offline at once for everyone watching), then finished().
    void quit();
    ClientSession *session() const { return m_session; }
    MessageNotifier *notifier() const { return m_notifier; }
    // Shows the main window with `peer`'s chat (a notification was clicked).
    void openChat(const QString &peer);

Q_SIGNALS:
    // Quit has sent its `bye` (or given up waiting for the socket): leave the event loop.
    void finished();

private:
    void showSignIn(const QString &error = {});
    void onSignedIn();
    void onSignInFailed(ErrorCode code, const QString &message, qint64 retryAfterMs);
    void showMainWindow();
    void updateTray();
    void signOut();
    void signOutEverywhere();
    void changePassword();
    void onConnectionFailed(const QString &reason);
    void showSettings();
    static void applyTheme(SettingsDialog::Theme theme);
    void onHiddenToTray();
    void finish();
    QString account() const;

    ClientOptions m_options;
    AppSettings m_settings;
    ClientSession *m_session;
    IdleMonitor *m_idle;
    TokenVault *m_vault;
    MessageNotifier *m_notifier;
    TrayIcon *m_tray = nullptr;
    MainWindow *m_window = nullptr;
    QPointer<SignInDialog> m_dialog;
    bool m_resuming = false;
    bool m_keepSignedIn = true;
    // Whether a keychain answers (probed once at start); why not, if not.
    bool m_keychainAvailable = false;
    QString m_keychainProblem;
    bool m_quitting = false;
    bool m_finished = false;
};

} // namespace presently
