#include "app/AppController.h"

#include "app/MessageNotifier.h"
#include "core/ClientSession.h"
#include "core/ErrorText.h"
#include "core/IdleMonitor.h"
#include "platform/Autostart.h"
#include "platform/TokenVault.h"
#include "ui/ChangePasswordDialog.h"
#include "ui/ChatWidget.h"
#include "ui/MainWindow.h"
#include "ui/PaletteColors.h"
#include "ui/SettingsDialog.h"
#include "ui/SignInDialog.h"
#include "ui/TrayIcon.h"

#include <QApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QStyle>
#include <QTimer>
#include <QUrl>

namespace presently {

AppController::AppController(const ClientOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_settings(options.profile)
    , m_session(new ClientSession(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                      QStringLiteral("/profiles/") + options.profile,
                                  this))
    , m_idle(new IdleMonitor(IdleSource::create(), this))
    , m_vault(new TokenVault(options.profile, this))
    , m_notifier(new MessageNotifier(m_session, this))
{
    m_idle->setThresholdMs(m_settings.idleMinutes() * 60 * 1000);
    connect(m_idle, &IdleMonitor::activityChanged, m_session, &ClientSession::setActivity);
    connect(m_session, &ClientSession::signedIn, this, &AppController::onSignedIn);
    connect(m_session, &ClientSession::signInFailed, this, &AppController::onSignInFailed);

    // Quitting is ours to do (with `bye`), never Qt's when a window closes.
    QApplication::setQuitOnLastWindowClosed(false);
    connect(m_session, &ClientSession::connectionFailed, this, &AppController::onConnectionFailed);
    m_window = new MainWindow(m_session);
    connect(m_window, &MainWindow::quitRequested, this, &AppController::quit);
    connect(m_window, &MainWindow::hiddenToTray, this, &AppController::onHiddenToTray);
    connect(m_window, &MainWindow::signOutRequested, this, &AppController::signOut);
    connect(m_window, &MainWindow::settingsRequested, this, &AppController::showSettings);
    applyTheme(static_cast<SettingsDialog::Theme>(m_settings.theme()));
    m_window->setSortByRecent(m_settings.sortByRecent());
    connect(m_window, &MainWindow::sortByRecentChanged, this,
            [this](bool recent) { m_settings.setSortByRecent(recent); });
    connect(m_session, &ClientSession::ownStatusChanged, this, &AppController::updateTray);
    connect(m_session->contacts(), &ContactListModel::unreadChanged, this, &AppController::updateTray);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new TrayIcon(this);
        connect(m_tray, &TrayIcon::showRequested, this, &AppController::showMainWindow);
        connect(m_tray, &TrayIcon::quitRequested, this, &AppController::quit);
        m_tray->show();
        m_window->setHideOnClose(true);
    }
    const auto inView = [this](const QString &peer) {
        return m_window->isActiveWindow() && m_window->chat()->peer() == peer;
    };
    m_notifier->setInView(inView);
    m_notifier->setEnabled(m_settings.notifications());
    m_notifier->setSound(m_settings.sound());
    if (m_tray) {
        connect(m_notifier, &MessageNotifier::notify, m_tray, &TrayIcon::notify);
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] { openChat(m_notifier->lastPeer()); });
    }
    connect(m_session, &ClientSession::messageReceived, this, [this, inView](const ChatMessage &message) {
        if (inView(message.from))
            m_window->chat()->markReadIfVisible();
    });
    m_window->restorePlacement(m_settings.windowGeometry());
    m_vault->probe([this](bool available, const QString &why) {
        m_keychainAvailable = available;
        m_keychainProblem = why;
        if (m_dialog)
            m_dialog->setKeychainAvailable(available, why);
    });
}

AppController::~AppController()
{
    if (!m_quitting)
        m_settings.setWindowGeometry(m_window->saveGeometry());
    delete m_window;
    delete m_dialog;
}

QString AppController::account() const
{
    return m_settings.server() + QLatin1Char('|') + m_settings.user();
}

void AppController::start()
{
    if (!m_options.server.isEmpty())
        m_settings.setServer(m_options.server);
    const bool keep = m_settings.keepSignedIn();
    const QString user = m_settings.user();
    if (!keep || user.isEmpty() || (!m_options.user.isEmpty() && m_options.user.toLower() != user)) {
        showSignIn();
        return;
    }
    m_vault->load(account(), [this, user](const QString &token) {
        if (token.isEmpty()) {
            showSignIn();
            return;
        }
        m_resuming = true;
        m_keepSignedIn = true;
        m_session->resume(QUrl(m_settings.server()), user, token);
        showMainWindow();
    });
}

void AppController::showSignIn(const QString &error)
{
    m_window->hide();
    if (!m_dialog) {
        m_dialog = new SignInDialog;
        m_dialog->setKeychainAvailable(m_keychainAvailable, m_keychainProblem);
        m_dialog->setServer(m_settings.server());
        m_dialog->setUser(m_options.user.isEmpty() ? m_settings.user() : m_options.user);
        connect(m_dialog, &SignInDialog::signInRequested, this, [this] {
            m_dialog->setBusy(true);
            m_keepSignedIn = m_dialog->keepSignedIn();
            m_resuming = false;
            m_settings.setServer(m_dialog->server());
            m_settings.setUser(m_dialog->user());
            m_session->signIn(QUrl(m_dialog->server()), m_dialog->user(), m_dialog->password(),
                              m_dialog->createAccount(), m_dialog->invite());
        });
        connect(m_dialog, &SignInDialog::cancelRequested, this, [this] { m_session->signOut(false); });
        connect(m_dialog, &QDialog::rejected, this, [this] {
            if (m_session->state() != ClientSession::State::Connected)
                quit();
        });
    }
    if (!error.isEmpty())
        m_dialog->showError(error);
    m_dialog->show();
    m_dialog->raise();
}

void AppController::onSignedIn()
{
    m_settings.setKeepSignedIn(m_keepSignedIn);
    if (m_keepSignedIn) {
        m_vault->store(account(), m_session->token(), [this](const QString &error) {
            if (error.isEmpty())
                return;
            m_settings.setKeepSignedIn(false); // never a promise we cannot keep
            m_window->showNotice(
                tr("Presently could not keep you signed in (%1): you will sign in next time.").arg(error));
        });
    }
    if (m_dialog) {
        m_dialog->deleteLater();
        m_dialog = nullptr;
    }
    showMainWindow();
}

void AppController::onSignInFailed(ErrorCode code, const QString &message, qint64 retryAfterMs)
{
    if (m_resuming) {
        if (code == ErrorCode::AuthFailed)
            m_vault->forget(account()); // the token no longer works (not so when only refused for now)
        m_resuming = false;
    }
    Q_UNUSED(message) // the server's words are for logs; the user gets ours
    showSignIn(ErrorText::signIn(code, retryAfterMs));
    if (code == ErrorCode::Forbidden && m_dialog && m_dialog->createAccount())
        m_dialog->askForInvite(ErrorText::signIn(code));
}

void AppController::showMainWindow()
{
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
    updateTray();
}

void AppController::showSettings()
{
    SettingsDialog dialog(m_window);
    Autostart autostart(m_options.profile);
    dialog.setStartAtLoginAvailable(Autostart::isSupported());
    SettingsDialog::Values before;
    before.server = m_settings.server();
    before.idleMinutes = m_settings.idleMinutes();
    before.notifications = m_settings.notifications();
    before.sound = m_settings.sound();
    before.startAtLogin = autostart.isEnabled();
    before.theme = static_cast<SettingsDialog::Theme>(m_settings.theme());
    dialog.setValues(before);
    connect(&dialog, &SettingsDialog::signOutRequested, this, &AppController::signOut);
    connect(&dialog, &SettingsDialog::signOutEverywhereRequested, this, &AppController::signOutEverywhere,
            Qt::QueuedConnection);
    connect(&dialog, &SettingsDialog::changePasswordRequested, this, &AppController::changePassword,
            Qt::QueuedConnection);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const SettingsDialog::Values after = dialog.values();
    m_settings.setIdleMinutes(after.idleMinutes);
    m_idle->setThresholdMs(after.idleMinutes * 60 * 1000);
    m_settings.setNotifications(after.notifications);
    m_notifier->setEnabled(after.notifications);
    m_settings.setSound(after.sound);
    m_notifier->setSound(after.sound);
    if (after.startAtLogin != before.startAtLogin &&
        !autostart.setEnabled(after.startAtLogin, QCoreApplication::applicationFilePath()))
        m_window->showNotice(tr("Presently could not change whether it starts at login."));
    if (after.theme != before.theme) {
        m_settings.setTheme(static_cast<int>(after.theme));
        applyTheme(after.theme);
    }
    if (!after.server.isEmpty() && after.server != before.server) {
        signOut(); // another server: sign in there
        m_settings.setServer(after.server);
        if (m_dialog)
            m_dialog->setServer(after.server);
    }
}

void AppController::applyTheme(SettingsDialog::Theme theme)
{
    // The system's own look unless the user chose; Fusion draws any palette faithfully.
    static const QString systemStyle = QApplication::style()->name();
    static const QPalette systemPalette = QApplication::palette();
    switch (theme) {
    case SettingsDialog::Theme::System:
        QApplication::setStyle(systemStyle);
        QApplication::setPalette(systemPalette);
        break;
    case SettingsDialog::Theme::Light:
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(QApplication::style()->standardPalette());
        break;
    case SettingsDialog::Theme::Dark:
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(PaletteColors::darkPalette());
        break;
    }
}

void AppController::openChat(const QString &peer)
{
    showMainWindow();
    if (!peer.isEmpty())
        m_window->openConversation(peer);
}

void AppController::updateTray()
{
    if (!m_tray)
        return;
    m_tray->update(m_session->displayedOwnStatus(), m_session->contacts()->totalUnread());
}

void AppController::onConnectionFailed(const QString &reason)
{
    // Signing in from the dialog: say so at once, and let the user correct the address or try
    // again, rather than retrying behind "Signing in…". A resumed session keeps retrying (the
    // status bar says why, with "Retry now").
    if (!m_dialog || !m_dialog->isBusy())
        return;
    m_session->signOut(false);
    const QString host = QUrl(m_dialog->server()).host();
    m_dialog->showError(tr("Could not reach %1: %2. Check the address, or try again.").arg(host, reason));
}

void AppController::onHiddenToTray()
{
    if (!m_tray || m_settings.trayNoteShown())
        return;
    m_settings.setTrayNoteShown(true);
    m_tray->notify(tr("Presently is still running"),
                   tr("You stay online from the tray. Choose Quit in its menu to sign off."));
}

void AppController::signOut()
{
    m_session->signOut(true);
    m_vault->forget(account());
    m_settings.setKeepSignedIn(false);
    showSignIn();
}

void AppController::signOutEverywhere()
{
    QMessageBox ask(QMessageBox::Warning, tr("Sign out everywhere"),
                    tr("Sign out of Presently on every device, this one too? Messages not sent yet stay here."),
                    QMessageBox::Cancel, m_window);
    QPushButton *confirm = ask.addButton(tr("Sign out everywhere"), QMessageBox::DestructiveRole);
    ask.exec();
    if (ask.clickedButton() != confirm)
        return;
    m_session->signOutEverywhere([this](const std::optional<ProtocolError> &error) {
        if (error) {
            m_window->showNotice(ErrorText::general(error->code));
            return;
        }
        signOut(); // the server ends this session too; its token is gone
    });
}

void AppController::changePassword()
{
    ChangePasswordDialog dialog(m_window);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_session->changePassword(dialog.currentPassword(), dialog.newPassword(),
                              [this](const std::optional<ProtocolError> &error) {
                                  if (!error) {
                                      m_window->showNotice(tr("Password changed. Your other devices were signed out."));
                                  } else if (error->code == ErrorCode::AuthFailed) {
                                      m_window->showNotice(tr("The current password was wrong; nothing changed."));
                                  } else {
                                      m_window->showNotice(ErrorText::signIn(error->code, error->retryAfterMs));
                                  }
                              });
}

void AppController::quit()
{
    if (m_quitting)
        return;
    m_quitting = true;
    m_settings.setWindowGeometry(m_window->saveGeometry());
    m_window->setHideOnClose(false);
    m_window->hide();
    if (m_dialog)
        m_dialog->hide();
    if (m_tray)
        m_tray->hide();
    m_session->signOut(false); // `bye`: offline at once for everyone watching
    if (!m_session->isSocketOpen()) {
        finish();
        return;
    }
    // Finished once the close handshake is done, so the `bye` is out; a server that does not
    // answer the close gets a second.
    connect(m_session, &ClientSession::socketClosed, this, &AppController::finish);
    QTimer::singleShot(1000, this, &AppController::finish);
}

void AppController::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished();
}

} // namespace presently
