// The whole app as a user meets it (AppController with its real sign-in dialog and main window,
// offscreen) against a real presently-server: quitting and closing end the session with `bye`
// (a contact sees offline at once, long before the TTL), closing with a tray only hides, and
// signing in to a server that cannot be reached or never answers says so and can be cancelled.
#include "ServerProcess.h"
#include "app/AppController.h"
#include "app/MessageNotifier.h"
#include "core/ClientSession.h"
#include "platform/TokenVault.h"
#include "ui/ChatWidget.h"
#include "ui/MainWindow.h"
#include "ui/SignInDialog.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace presently;

namespace {
const QString kPassword = QStringLiteral("correct horse");

template <typename T> T *topLevel()
{
    for (QWidget *widget : QApplication::topLevelWidgets()) {
        if (auto *found = qobject_cast<T *>(widget))
            return found;
    }
    return nullptr;
}

QPushButton *button(QWidget *parent, const QString &text)
{
    for (QPushButton *b : parent->findChildren<QPushButton *>()) {
        if (b->text() == text)
            return b;
    }
    return nullptr;
}

// Fills the shown sign-in dialog and presses `press` ("Sign in" or "Create account").
bool submitSignIn(const QString &server, const QString &user, const QString &press)
{
    SignInDialog *dialog = nullptr;
    if (!QTest::qWaitFor([&] { return (dialog = topLevel<SignInDialog>()) && dialog->isVisible(); }, 5000))
        return false;
    dialog->setServer(server);
    dialog->setUser(user);
    for (QLineEdit *edit : dialog->findChildren<QLineEdit *>()) {
        if (edit->echoMode() == QLineEdit::Password)
            edit->setText(kPassword);
    }
    QPushButton *submit = button(dialog, press);
    if (!submit)
        return false;
    submit->click();
    return true;
}

QString shownError(SignInDialog *dialog)
{
    auto *label = dialog->findChild<QLabel *>(QStringLiteral("signInError"));
    return label && label->isVisible() ? label->text() : QString();
}
} // namespace

class TestAppController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void quitFromTheMenuQuitsWithATray();
    void closingWithoutATrayQuitsWithBye();
    void closingWithATrayOnlyHides();
    void unreachableServerIsSaidAtOnce();
    void keepSignedInSaysWhenItCannot();
    void notificationsGroupAndOpenTheirChat();
    void acceptsQtsOwnOptions();
    void unencryptedSignInElsewhereAsksFirst();
    void silentServerTimesOutAndCanBeCancelled();
    void invitationIsAskedForWhenNeeded();

private:
    // A controller signed in as `user` (a new account, bob's accepted contact) in its own profile.
    std::unique_ptr<AppController> signedInApp(const QString &user);
    Status bobSees(const QString &user) const { return m_bob->contacts()->presence(user).status; }

    QTemporaryDir m_dir;
    ServerProcess m_server;
    std::unique_ptr<ClientSession> m_bob;
};

void TestAppController::initTestCase()
{
    // Settings, outboxes and profiles go to the temporary folder, never the user's own.
    QStandardPaths::setTestModeEnabled(true);
    QDir(QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + QStringLiteral("/Presently"))
        .removeRecursively();
    QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).removeRecursively(); // outboxes
    QString error;
    // A long TTL: a contact seen offline within seconds was told so by `bye`.
    QVERIFY2(m_server.start({QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("db")),
                             QStringLiteral("--presence-ttl-ms"), QStringLiteral("60000")},
                            &error),
             qPrintable(error));
    m_bob = std::make_unique<ClientSession>(m_dir.filePath(QStringLiteral("bob")));
    m_bob->signIn(m_server.url(), QStringLiteral("bob"), kPassword, true);
    QVERIFY(QTest::qWaitFor([&] { return m_bob->state() == ClientSession::State::Connected; }, 20000));
}

void TestAppController::cleanupTestCase()
{
    m_bob.reset();
    m_server.kill();
}

std::unique_ptr<AppController> TestAppController::signedInApp(const QString &user)
{
    ClientOptions options;
    options.profile = QStringLiteral("test-") + user;
    auto app = std::make_unique<AppController>(options);
    app->start();
    const auto failed = [](const char *what) {
        qWarning("signing in failed: %s", what);
        return nullptr;
    };
    if (!submitSignIn(m_server.url().toString(), user, QStringLiteral("Create account")))
        return failed("no sign-in dialog");
    ClientSession *session = app->session();
    if (!QTest::qWaitFor([&] { return session->state() == ClientSession::State::Connected; }, 20000))
        return failed("not connected");
    session->addContact(QStringLiteral("bob"));
    if (!QTest::qWaitFor([&] { return m_bob->requests().contains(user); }, 10000))
        return failed("no request");
    m_bob->acceptContact(user);
    if (!QTest::qWaitFor([&] { return bobSees(user) == Status::Online; }, 10000))
        return failed("not seen online");
    return app;
}

void TestAppController::quitFromTheMenuQuitsWithATray()
{
    auto app = signedInApp(QStringLiteral("carol"));
    QVERIFY(app);
    MainWindow *window = topLevel<MainWindow>();
    QVERIFY(window && window->isVisible());
    window->setHideOnClose(true); // as with a tray: Qt's own quit would be refused by the window
    QSignalSpy finished(app.get(), &AppController::finished);
    QAction *quit = nullptr;
    for (QAction *action : window->findChildren<QAction *>()) {
        if (action->text() == QStringLiteral("Quit"))
            quit = action;
    }
    QVERIFY(quit);
    quit->trigger();
    QVERIFY(finished.count() == 1 || finished.wait(5000));
    QVERIFY(!window->isVisible());
    QVERIFY(QTest::qWaitFor([&] { return bobSees(QStringLiteral("carol")) == Status::Offline; }, 5000));
}

void TestAppController::closingWithoutATrayQuitsWithBye()
{
    auto app = signedInApp(QStringLiteral("dave"));
    QVERIFY(app);
    MainWindow *window = topLevel<MainWindow>();
    QVERIFY(window && window->isVisible());
    QSignalSpy finished(app.get(), &AppController::finished);
    QVERIFY(window->close());
    QVERIFY(finished.count() == 1 || finished.wait(5000));
    QVERIFY(QTest::qWaitFor([&] { return bobSees(QStringLiteral("dave")) == Status::Offline; }, 5000));
}

void TestAppController::closingWithATrayOnlyHides()
{
    auto app = signedInApp(QStringLiteral("erin"));
    QVERIFY(app);
    MainWindow *window = topLevel<MainWindow>();
    QVERIFY(window);
    window->setHideOnClose(true);
    QSignalSpy finished(app.get(), &AppController::finished);
    QSignalSpy hidden(window, &MainWindow::hiddenToTray);
    window->close();
    QCOMPARE(hidden.count(), 1);
    QVERIFY(!window->isVisible());
    // The session goes on: quitting would have signed out at once (before any event).
    QCOMPARE(app->session()->state(), ClientSession::State::Connected);
    QCOMPARE(finished.count(), 0);
    app->quit();
    QVERIFY(finished.count() == 1 || finished.wait(5000));
}

void TestAppController::unreachableServerIsSaidAtOnce()
{
    // A port nobody listens on: refused at once, and said in the dialog (not "Signing in…").
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    ClientOptions options;
    options.profile = QStringLiteral("test-unreachable");
    AppController app(options);
    app.start();
    QVERIFY(submitSignIn(QStringLiteral("ws://127.0.0.1:%1").arg(port), QStringLiteral("frank"),
                         QStringLiteral("Sign in")));
    SignInDialog *dialog = topLevel<SignInDialog>();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitFor([&] { return !dialog->isBusy(); }, 5000));
    QVERIFY2(shownError(dialog).startsWith(QStringLiteral("Could not reach 127.0.0.1")),
             qPrintable(shownError(dialog)));
    QCOMPARE(app.session()->state(), ClientSession::State::SignedOut); // not retrying behind the dialog
    QVERIFY(button(dialog, QStringLiteral("Sign in"))->isEnabled());
}

void TestAppController::keepSignedInSaysWhenItCannot()
{
    // What this machine's keychain answers decides what the dialog must say.
    TokenVault vault(QStringLiteral("test-probe"));
    std::optional<bool> available;
    vault.probe([&](bool yes, const QString &) { available = yes; });
    QVERIFY(QTest::qWaitFor([&] { return available.has_value(); }, 10000));

    ClientOptions options;
    options.profile = QStringLiteral("test-keychain");
    AppController app(options);
    app.start();
    SignInDialog *dialog = nullptr;
    QVERIFY(QTest::qWaitFor([&] { return (dialog = topLevel<SignInDialog>()) && dialog->isVisible(); }, 5000));
    auto *keep = dialog->findChild<QCheckBox *>();
    auto *note = dialog->findChild<QLabel *>(QStringLiteral("keychainNote"));
    QVERIFY(keep && note);
    // The app's own probe may answer after the dialog shows.
    QVERIFY(QTest::qWaitFor([&] { return keep->isEnabled() == *available && note->isVisible() != *available; }, 10000));
    QCOMPARE(keep->isChecked(), *available);
    if (!*available)
        QVERIFY2(note->text().contains(QStringLiteral("cannot remember you")), qPrintable(note->text()));
}

void TestAppController::notificationsGroupAndOpenTheirChat()
{
    auto app = signedInApp(QStringLiteral("holly"));
    QVERIFY(app);
    QSignalSpy notified(app->notifier(), &MessageNotifier::notify);
    m_bob->sendMessage(QStringLiteral("holly"), QStringLiteral("first"));
    QVERIFY(notified.wait(5000));
    QCOMPARE(notified.last().at(0).toString(), QStringLiteral("bob"));
    QCOMPARE(notified.last().at(1).toString(), QStringLiteral("first"));
    m_bob->sendMessage(QStringLiteral("holly"), QStringLiteral("second"));
    QVERIFY(notified.wait(5000));
    QCOMPARE(notified.last().at(0).toString(), QStringLiteral("bob (2 new messages)"));
    // A click opens that chat.
    app->openChat(app->notifier()->lastPeer());
    MainWindow *window = topLevel<MainWindow>();
    QVERIFY(window && window->isVisible());
    QCOMPARE(window->chat()->peer(), QStringLiteral("bob"));
    // Do not disturb: nothing.
    app->session()->setStatus(Mode::Dnd, std::nullopt);
    QVERIFY(QTest::qWaitFor([&] { return bobSees(QStringLiteral("holly")) == Status::Dnd; }, 5000));
    window->chat()->clear(); // not in view, so only DND can keep it quiet
    const int before = static_cast<int>(notified.count());
    QSignalSpy arrived(app->session(), &ClientSession::messageReceived);
    m_bob->sendMessage(QStringLiteral("holly"), QStringLiteral("third"));
    QVERIFY(arrived.wait(5000));
    QCOMPARE(notified.count(), before);
    app->quit();
}

void TestAppController::acceptsQtsOwnOptions()
{
    // The real binary: Qt's options are Qt's (-style Fusion is no "Unknown option"), --help-all
    // lists them and exits, and an option nobody knows is still an error.
    const auto run = [](const QStringList &args) {
        QProcess client;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        client.setProcessEnvironment(env);
        client.start(QStringLiteral(PRESENTLY_CLIENT_BINARY), args);
        if (!client.waitForFinished(20000)) {
            client.kill();
            client.waitForFinished();
            return std::make_pair(-1, QString());
        }
        return std::make_pair(client.exitCode(),
                              QString::fromUtf8(client.readAllStandardOutput() + client.readAllStandardError()));
    };
    const auto version = run({QStringLiteral("-style"), QStringLiteral("Fusion"), QStringLiteral("--version")});
    QCOMPARE(version.first, 0);
    QVERIFY2(version.second.contains(QStringLiteral("presently 0.")), qPrintable(version.second));
    const auto helpAll = run({QStringLiteral("--help-all")});
    QCOMPARE(helpAll.first, 0);
    QVERIFY2(helpAll.second.contains(QStringLiteral("--platform")) &&
                 helpAll.second.contains(QStringLiteral("--profile")),
             qPrintable(helpAll.second));
    const auto unknown = run({QStringLiteral("--no-such-option")});
    QCOMPARE(unknown.first, 2);
    QVERIFY2(unknown.second.contains(QStringLiteral("Unknown option 'no-such-option'")), qPrintable(unknown.second));
}

void TestAppController::unencryptedSignInElsewhereAsksFirst()
{
    ClientOptions options;
    options.profile = QStringLiteral("test-unencrypted");
    AppController app(options);
    app.start();
    // Answers the warning with `answer` when it shows; says whether it showed.
    const auto signInAnswering = [&](const QString &server, const QString &answer) {
        bool asked = false;
        QTimer answerer; // fires inside the warning's own event loop, if a warning shows
        answerer.setSingleShot(true);
        QObject::connect(&answerer, &QTimer::timeout, &app, [&] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            if (!box || box->objectName() != QStringLiteral("unencryptedWarning"))
                return;
            asked = box->text().contains(QStringLiteral("would not be encrypted"));
            for (QAbstractButton *b : box->buttons()) {
                if (b->text() == answer)
                    b->click();
            }
        });
        answerer.start(300);
        const bool submitted = submitSignIn(server, QStringLiteral("ivy"), QStringLiteral("Sign in"));
        answerer.stop(); // no warning showed: nothing to answer
        return submitted && asked;
    };
    SignInDialog *dialog = topLevel<SignInDialog>();
    // Another machine over ws://: asked; Cancel sends nothing.
    QVERIFY(signInAnswering(QStringLiteral("ws://chat.example.invalid:8765"), QStringLiteral("Cancel")));
    QVERIFY(dialog && !dialog->isBusy());
    QCOMPARE(app.session()->state(), ClientSession::State::SignedOut);
    // Accepted: it goes ahead (and fails to resolve, which the dialog then says).
    QVERIFY(signInAnswering(QStringLiteral("ws://chat.example.invalid:8765"), QStringLiteral("Sign in unencrypted")));
    QVERIFY(QTest::qWaitFor([&] { return !shownError(dialog).isEmpty(); }, 15000));
    // This machine, or wss://: not asked.
    QVERIFY(!signInAnswering(m_server.url().toString(), QStringLiteral("Cancel")));
    QVERIFY(QTest::qWaitFor(
        [&] { return app.session()->state() == ClientSession::State::Connected || !shownError(dialog).isEmpty(); },
        15000));
    app.session()->signOut();
    QVERIFY(!signInAnswering(QStringLiteral("wss://chat.example.invalid:8765"), QStringLiteral("Cancel")));
}

void TestAppController::silentServerTimesOutAndCanBeCancelled()
{
    // Accepts TCP and never answers the WebSocket handshake.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(silent.serverPort());
    ClientOptions options;
    options.profile = QStringLiteral("test-silent");
    AppController app(options);
    app.session()->setTimeouts(700, 1000);
    app.start();
    SignInDialog *dialog = topLevel<SignInDialog>();
    QVERIFY(dialog);

    // Cancel while it waits: signed out, the dialog ready again.
    QVERIFY(submitSignIn(url, QStringLiteral("grace"), QStringLiteral("Sign in")));
    QVERIFY(dialog->isBusy());
    QVERIFY(QTest::qWaitFor([&] { return silent.hasPendingConnections(); }, 5000));
    QPushButton *cancel = button(dialog, QStringLiteral("Cancel"));
    QVERIFY(cancel && cancel->isVisible());
    cancel->click();
    QVERIFY(!dialog->isBusy());
    QCOMPARE(app.session()->state(), ClientSession::State::SignedOut);
    QVERIFY(!cancel->isVisible());

    // Left waiting: the open timeout ends it with a clear message.
    QVERIFY(submitSignIn(url, QStringLiteral("grace"), QStringLiteral("Sign in")));
    QVERIFY(dialog->isBusy());
    QVERIFY(QTest::qWaitFor([&] { return !dialog->isBusy(); }, 5000));
    QVERIFY2(shownError(dialog).contains(QStringLiteral("did not answer")), qPrintable(shownError(dialog)));
    QCOMPARE(app.session()->state(), ClientSession::State::SignedOut);
}

void TestAppController::invitationIsAskedForWhenNeeded()
{
    // A server that registers by invitation: the first try says so and shows the code's field;
    // with the admin's code the account is made.
    const QString db = QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("invite-db"));
    ServerProcess server;
    QString error;
    QVERIFY2(
        server.start({QStringLiteral("--db"), db, QStringLiteral("--registration"), QStringLiteral("token")}, &error),
        qPrintable(error));
    QProcess admin;
    admin.start(QStringLiteral(PRESENTLY_SERVER_BINARY),
                {QStringLiteral("invite"), QStringLiteral("create"), QStringLiteral("--db"), db});
    QVERIFY(admin.waitForFinished(30000) && admin.exitCode() == 0);
    const QString code = QString::fromUtf8(admin.readAllStandardOutput()).trimmed();
    QVERIFY(!code.isEmpty());

    ClientOptions options;
    options.profile = QStringLiteral("test-invited");
    AppController app(options);
    app.start();
    QVERIFY(submitSignIn(server.url().toString(), QStringLiteral("ivy"), QStringLiteral("Create account")));
    SignInDialog *dialog = topLevel<SignInDialog>();
    QVERIFY(dialog);
    auto *invite = dialog->findChild<QLineEdit *>(QStringLiteral("inviteCode"));
    QVERIFY(invite && invite->isHidden());
    QVERIFY(QTest::qWaitFor([&] { return !invite->isHidden() && !dialog->isBusy(); }, 10000));
    QVERIFY2(shownError(dialog).contains(QLatin1String("invitation code")), qPrintable(shownError(dialog)));
    invite->setText(code);
    button(dialog, QStringLiteral("Create account"))->click();
    QVERIFY(QTest::qWaitFor([&] { return app.session()->state() == ClientSession::State::Connected; }, 20000));
    QCOMPARE(app.session()->user(), QStringLiteral("ivy"));
    app.session()->signOut(false);
    server.kill();
}

QTEST_MAIN(TestAppController)
#include "TestAppController.moc"
