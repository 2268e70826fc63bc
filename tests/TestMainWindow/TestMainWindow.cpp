// The main window's real widgets (offscreen) on a real ClientSession against a real
// presently-server: what the contact requests list offers for each kind of request.
#include "ServerProcess.h"
#include "core/ClientSession.h"
#include "ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QListWidget>
#include <QMenu>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace presently;

namespace {
const QString kPassword = QStringLiteral("correct horse");

// Activates `item` as a double-click or Enter does, and returns the texts of the menu that
// opens (closing it, after triggering the action whose text is `trigger`, if any).
QStringList activateAndRead(QListWidget *list, QListWidgetItem *item, const QString &trigger = {})
{
    QStringList texts;
    QTimer::singleShot(200, list, [&texts, trigger] {
        auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        if (!menu)
            return;
        QAction *chosen = nullptr;
        for (QAction *action : menu->actions()) {
            texts.append(action->text());
            if (action->text() == trigger)
                chosen = action;
        }
        if (chosen)
            chosen->trigger();
        menu->close();
    });
    Q_EMIT list->itemActivated(item);
    return texts;
}
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void outgoingRequestCanBeCancelledNotAccepted();

private:
    std::unique_ptr<ClientSession> signedIn(const QString &user);

    QTemporaryDir m_dir;
    ServerProcess m_server;
};

void TestMainWindow::initTestCase()
{
    QString error;
    QVERIFY2(m_server.start({QStringLiteral("--db"),
                             QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("db.sqlite"))},
                            &error),
             qPrintable(error));
}

void TestMainWindow::cleanupTestCase()
{
    m_server.kill();
}

std::unique_ptr<ClientSession> TestMainWindow::signedIn(const QString &user)
{
    auto session = std::make_unique<ClientSession>(m_dir.filePath(user + QStringLiteral("-profile")));
    session->signIn(m_server.url(), user, kPassword, true);
    if (!QTest::qWaitFor([&] { return session->state() == ClientSession::State::Connected; }, 20000))
        return nullptr;
    return session;
}

void TestMainWindow::outgoingRequestCanBeCancelledNotAccepted()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    MainWindow alicesWindow(alice.get());
    MainWindow bobsWindow(bob.get());
    alicesWindow.show();
    bobsWindow.show();
    auto *alicesRequests = alicesWindow.findChild<QListWidget *>();
    auto *bobsRequests = bobsWindow.findChild<QListWidget *>();
    QVERIFY(alicesRequests && bobsRequests);

    alice->addContact(QStringLiteral("bob"));
    QVERIFY(QTest::qWaitFor([&] { return alicesRequests->count() == 1 && bobsRequests->count() == 1; }, 10000));

    // bob's incoming request: accept or decline alice, by her name.
    const QStringList offeredToBob = activateAndRead(bobsRequests, bobsRequests->item(0));
    QCOMPARE(offeredToBob, (QStringList{QStringLiteral("Accept alice"), QStringLiteral("Decline")}));
    // alice's own request: shown as waiting, offered for cancelling, never for accepting.
    QCOMPARE(alicesRequests->item(0)->text(), QStringLiteral("bob (waiting for them)"));
    const QString cancel = QStringLiteral("Cancel the request to bob");
    QCOMPARE(activateAndRead(alicesRequests, alicesRequests->item(0), cancel), QStringList{cancel});
    // Cancelled on the server: gone from both lists.
    QVERIFY(QTest::qWaitFor([&] { return alicesRequests->count() == 0 && bobsRequests->count() == 0; }, 10000));
    QVERIFY(alice->pending().isEmpty() && bob->requests().isEmpty());
}

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
