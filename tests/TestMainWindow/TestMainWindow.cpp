// The main window's real widgets (offscreen) on a real ClientSession against a real
// presently-server: what the contact requests list offers for each kind of request.
#include "ServerProcess.h"
#include "core/ClientSession.h"
#include "core/ContactListModel.h"
#include "ui/ChatWidget.h"
#include "ui/MainWindow.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScreen>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <array>

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
    void eachConversationKeepsItsDraftAcrossRestarts();
    void unreadCountsSurviveARestart();
    void keyboardAlone();
    void reopensOnAScreen();
    void historyScrollsAndNewMessagesWait();
    void emptyStatesAndErrorsInWords();
    void previewsHeaderAndScreenReaderNames();
    void removingAContactAsksFirst();

private:
    std::unique_ptr<ClientSession> signedIn(const QString &user, bool create = true);
    // `a` and `b` become contacts.
    bool befriend(ClientSession *a, ClientSession *b);
    // `user` signed in with `first` and `second` as accepted contacts (all signed in; empty on failure).
    std::array<std::unique_ptr<ClientSession>, 3> withTwoContacts(const QString &user, const QString &first,
                                                                  const QString &second);

    QTemporaryDir m_dir;
    ServerProcess m_server;
};

void TestMainWindow::initTestCase()
{
    QString error;
    QVERIFY2(
        m_server.start(
            {QStringLiteral("--db"), QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("db.sqlite"))}, &error),
        qPrintable(error));
}

void TestMainWindow::cleanupTestCase()
{
    m_server.kill();
}

std::unique_ptr<ClientSession> TestMainWindow::signedIn(const QString &user, bool create)
{
    auto session = std::make_unique<ClientSession>(m_dir.filePath(user + QStringLiteral("-profile")));
    session->signIn(m_server.url(), user, kPassword, create);
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

    // bob's incoming request: accept, decline or block alice, by her name.
    const QStringList offeredToBob = activateAndRead(bobsRequests, bobsRequests->item(0));
    QCOMPARE(offeredToBob,
             (QStringList{QStringLiteral("Accept alice"), QStringLiteral("Decline"), QStringLiteral("Block alice…")}));
    // alice's own request: shown as waiting, offered for cancelling, never for accepting.
    QCOMPARE(alicesRequests->item(0)->text(), QStringLiteral("bob (waiting for them)"));
    const QString cancel = QStringLiteral("Cancel the request to bob");
    QCOMPARE(activateAndRead(alicesRequests, alicesRequests->item(0), cancel), QStringList{cancel});
    // Cancelled on the server: gone from both lists.
    QVERIFY(QTest::qWaitFor([&] { return alicesRequests->count() == 0 && bobsRequests->count() == 0; }, 10000));
    QVERIFY(alice->pending().isEmpty() && bob->requests().isEmpty());
}

bool TestMainWindow::befriend(ClientSession *a, ClientSession *b)
{
    a->addContact(b->user());
    if (!QTest::qWaitFor([&] { return b->requests().contains(a->user()); }, 10000))
        return false;
    b->acceptContact(a->user());
    return QTest::qWaitFor([&] { return a->contacts()->contains(b->user()) && b->contacts()->contains(a->user()); },
                           10000);
}

std::array<std::unique_ptr<ClientSession>, 3> TestMainWindow::withTwoContacts(const QString &user, const QString &first,
                                                                              const QString &second)
{
    std::array<std::unique_ptr<ClientSession>, 3> sessions{signedIn(user), signedIn(first), signedIn(second)};
    if (!sessions[0] || !sessions[1] || !sessions[2] || !befriend(sessions[0].get(), sessions[1].get()) ||
        !befriend(sessions[0].get(), sessions[2].get()))
        return {};
    return sessions;
}

void TestMainWindow::eachConversationKeepsItsDraftAcrossRestarts()
{
    auto frankWithContacts = withTwoContacts(QStringLiteral("frank"), QStringLiteral("gina"), QStringLiteral("hugo"));
    auto &frank = frankWithContacts[0];
    auto &gina = frankWithContacts[1];
    auto &hugo = frankWithContacts[2];
    QVERIFY(frank && gina && hugo);
    {
        MainWindow window(frank.get());
        window.show();
        auto *input = window.chat()->findChild<QPlainTextEdit *>();
        QVERIFY(input);
        window.openConversation(QStringLiteral("gina"));
        QTest::keyClicks(input, QStringLiteral("for gina"));
        window.openConversation(QStringLiteral("hugo"));
        QCOMPARE(input->toPlainText(), QString()); // never gina's text under hugo's name
        QTest::keyClicks(input, QStringLiteral("for hugo"));
        window.openConversation(QStringLiteral("gina"));
        QCOMPARE(input->toPlainText(), QStringLiteral("for gina"));
        // Sent: to gina only, and her draft is gone; hugo's stays.
        QTest::keyClick(input, Qt::Key_Return);
        ConversationModel *atGina = gina->conversation(QStringLiteral("frank"));
        QVERIFY(QTest::qWaitFor([&] { return atGina->rowCount() == 1; }, 10000));
        QCOMPARE(atGina->index(0).data(ConversationModel::BodyRole).toString(), QStringLiteral("for gina"));
        QCOMPARE(input->toPlainText(), QString());
        QCOMPARE(hugo->conversation(QStringLiteral("frank"))->rowCount(), 0);
    }
    // A restart (the session ends, a new one signs in on the same profile): hugo's draft is back.
    frank.reset();
    frank = signedIn(QStringLiteral("frank"), false);
    QVERIFY(frank);
    MainWindow window(frank.get());
    window.show();
    auto *input = window.chat()->findChild<QPlainTextEdit *>();
    window.openConversation(QStringLiteral("hugo"));
    QCOMPARE(input->toPlainText(), QStringLiteral("for hugo"));
    window.openConversation(QStringLiteral("gina"));
    QCOMPARE(input->toPlainText(), QString());
}

void TestMainWindow::unreadCountsSurviveARestart()
{
    auto ivanWithContacts = withTwoContacts(QStringLiteral("ivan"), QStringLiteral("jane"), QStringLiteral("kim"));
    auto &ivan = ivanWithContacts[0];
    auto &jane = ivanWithContacts[1];
    auto &kim = ivanWithContacts[2];
    QVERIFY(ivan && jane && kim);
    jane->sendMessage(QStringLiteral("ivan"), QStringLiteral("one"));
    jane->sendMessage(QStringLiteral("ivan"), QStringLiteral("two"));
    kim->sendMessage(QStringLiteral("ivan"), QStringLiteral("three"));
    QVERIFY(QTest::qWaitFor([&] { return ivan->contacts()->totalUnread() == 3; }, 10000));

    // Restarted: the counts are back, not lost.
    ivan.reset();
    ivan = signedIn(QStringLiteral("ivan"), false);
    QVERIFY(ivan);
    QVERIFY(QTest::qWaitFor([&] { return ivan->contacts()->unread(QStringLiteral("jane")) == 2; }, 10000));
    QCOMPARE(ivan->contacts()->unread(QStringLiteral("kim")), 1);

    // Read on another device while this one was closed: cleared at the next start.
    ivan.reset();
    auto phone = std::make_unique<ClientSession>(m_dir.filePath(QStringLiteral("ivan-phone")));
    phone->signIn(m_server.url(), QStringLiteral("ivan"), kPassword, false);
    QVERIFY(QTest::qWaitFor([&] { return phone->state() == ClientSession::State::Connected; }, 20000));
    ConversationModel *phoneChat = phone->conversation(QStringLiteral("jane"));
    phone->loadOlder(QStringLiteral("jane"));
    QVERIFY(QTest::qWaitFor([&] { return phoneChat->rowCount() == 2; }, 10000));
    phone->setVisibleConversation(QStringLiteral("jane"));
    phone->markRead(QStringLiteral("jane"));
    ConversationModel *atJane = jane->conversation(QStringLiteral("ivan"));
    QVERIFY(QTest::qWaitFor([&] { return atJane->peerReadMid() == phoneChat->newestMid(); }, 10000));
    phone.reset();
    ivan = signedIn(QStringLiteral("ivan"), false);
    QVERIFY(ivan);
    QVERIFY(QTest::qWaitFor([&] { return ivan->contacts()->unread(QStringLiteral("kim")) == 1; }, 10000));
    QCOMPARE(ivan->contacts()->unread(QStringLiteral("jane")), 0);
}

void TestMainWindow::keyboardAlone()
{
    auto lenaWithContacts = withTwoContacts(QStringLiteral("lena"), QStringLiteral("mia"), QStringLiteral("noah"));
    auto &lena = lenaWithContacts[0];
    auto &mia = lenaWithContacts[1];
    auto &noah = lenaWithContacts[2];
    QVERIFY(lena && mia && noah);
    for (const QString &body : {QStringLiteral("apple"), QStringLiteral("banana"), QStringLiteral("cherry")})
        mia->sendMessage(QStringLiteral("lena"), body);
    QVERIFY(QTest::qWaitFor([&] { return lena->contacts()->unread(QStringLiteral("mia")) == 3; }, 10000));

    MainWindow window(lena.get());
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
    auto *contacts = window.findChild<QListView *>(QStringLiteral("contacts"));
    auto *filter = window.findChild<QLineEdit *>(QStringLiteral("contactFilter"));
    auto *input = window.chat()->findChild<QPlainTextEdit *>();
    QVERIFY(contacts && filter && input);
    QCOMPARE(filter->placeholderText(), QStringLiteral("Filter contacts (Ctrl+K)"));

    // Arrows open the chat of the row they land on and stay in the list; Enter goes on to write.
    contacts->setFocus();
    contacts->setCurrentIndex(contacts->model()->index(0, 0));
    const QString first = contacts->currentIndex().data(ContactListModel::UserRole).toString();
    QVERIFY(!first.isEmpty());
    QCOMPARE(window.chat()->peer(), first);
    QTest::keyClick(contacts, Qt::Key_Down);
    const QString second = contacts->currentIndex().data(ContactListModel::UserRole).toString();
    QVERIFY(second != first);
    QCOMPARE(window.chat()->peer(), second);
    QVERIFY(contacts->hasFocus());
    QTest::keyClick(contacts, Qt::Key_Return);
    QVERIFY(input->hasFocus());

    // Tab leaves the composer instead of typing a tab.
    QTest::keyClicks(input, QStringLiteral("hi"));
    QTest::keyClick(input, Qt::Key_Tab);
    QCOMPARE(input->toPlainText(), QStringLiteral("hi"));
    QVERIFY(!input->hasFocus());

    // Ctrl+K, a few letters, Enter: that chat, ready to write. Esc clears the filter.
    QTest::keyClick(&window, Qt::Key_K, Qt::ControlModifier);
    QVERIFY(filter->hasFocus());
    QTest::keyClicks(filter, QStringLiteral("noa"));
    QTest::keyClick(filter, Qt::Key_Return);
    QCOMPARE(window.chat()->peer(), QStringLiteral("noah"));
    QVERIFY(input->hasFocus());
    filter->setFocus();
    QTest::keyClick(filter, Qt::Key_Escape);
    QCOMPARE(filter->text(), QString());

    // Ctrl+F in mia's chat: the newest match, then older ones with Enter.
    window.openConversation(QStringLiteral("mia"));
    auto *view = window.chat()->findChild<QListView *>();
    QVERIFY(view);
    QVERIFY(QTest::qWaitFor([&] { return view->model() && view->model()->rowCount() == 3; }, 10000));
    QTest::keyClick(input, Qt::Key_F, Qt::ControlModifier);
    auto *find = window.chat()->findChild<QLineEdit *>(QStringLiteral("findInConversation"));
    QVERIFY(find && find->isVisible() && find->hasFocus());
    QTest::keyClicks(find, QStringLiteral("AN"));
    QCOMPARE(view->currentIndex().data(ConversationModel::BodyRole).toString(), QStringLiteral("banana"));
    QTest::keyClicks(find, QStringLiteral("ana"));
    QCOMPARE(view->currentIndex().data(ConversationModel::BodyRole).toString(), QStringLiteral("banana"));
    find->clear();
    QTest::keyClicks(find, QStringLiteral("e"));
    QCOMPARE(view->currentIndex().data(ConversationModel::BodyRole).toString(), QStringLiteral("cherry"));
    QTest::keyClick(find, Qt::Key_Return);
    QCOMPARE(view->currentIndex().data(ConversationModel::BodyRole).toString(), QStringLiteral("apple"));
    // Ctrl+C in the messages copies the selected one's text.
    view->setFocus();
    QTest::keyClick(view, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("apple"));
    find->setFocus();
    QTest::keyClick(find, Qt::Key_Escape);
    QVERIFY(!find->isVisible());
    QVERIFY(input->hasFocus());
    QCOMPARE(view->horizontalScrollBarPolicy(), Qt::ScrollBarAlwaysOff); // never clips own bubbles
}

void TestMainWindow::reopensOnAScreen()
{
    ClientSession session(m_dir.filePath(QStringLiteral("placement")));
    const QRect screen = QGuiApplication::primaryScreen()->availableGeometry();
    QByteArray offScreen;
    {
        MainWindow saved(&session);
        saved.show();
        saved.move(screen.right() + 3000, screen.bottom() + 3000); // a monitor since unplugged
        offScreen = saved.saveGeometry();
    }
    MainWindow window(&session);
    window.restorePlacement(offScreen);
    QVERIFY2(screen.contains(window.frameGeometry().center()),
             qPrintable(QStringLiteral("placed at %1,%2").arg(window.x()).arg(window.y())));
    QVERIFY(window.minimumWidth() >= 480 && window.minimumHeight() >= 360);
    // A place on the screen is kept.
    QByteArray onScreen;
    {
        MainWindow saved(&session);
        saved.show();
        saved.resize(600, 400);
        saved.move(screen.topLeft() + QPoint(20, 30));
        onScreen = saved.saveGeometry();
    }
    MainWindow again(&session);
    again.restorePlacement(onScreen);
    QCOMPARE(again.size(), QSize(600, 400));
}

void TestMainWindow::historyScrollsAndNewMessagesWait()
{
    auto olga = signedIn(QStringLiteral("olga"));
    auto pete = signedIn(QStringLiteral("pete"));
    QVERIFY(olga && pete);
    QVERIFY(befriend(olga.get(), pete.get()));
    constexpr int kHistory = 130;
    for (int i = 0; i < kHistory; ++i)
        pete->sendMessage(QStringLiteral("olga"), QStringLiteral("old %1").arg(i));
    ConversationModel *sent = pete->conversation(QStringLiteral("olga"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return sent->newestMid() > 0 && sent->rowCount() == kHistory &&
                   sent->index(kHistory - 1).data(ConversationModel::MidRole).toLongLong() > 0;
        },
        30000));

    // olga got them live; restarted, her chat holds only what history pages bring.
    QVERIFY(QTest::qWaitFor([&] { return olga->conversation(QStringLiteral("pete"))->rowCount() == kHistory; }, 30000));
    olga.reset();
    olga = signedIn(QStringLiteral("olga"), false);
    QVERIFY(olga);
    MainWindow window(olga.get());
    window.resize(700, 500);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openConversation(QStringLiteral("pete"));
    auto *view = window.chat()->findChild<QListView *>();
    QVERIFY(view);
    QScrollBar *bar = view->verticalScrollBar();
    QVERIFY(QTest::qWaitFor([&] { return view->model() && view->model()->rowCount() == 50; }, 10000));
    QVERIFY(QTest::qWaitFor([&] { return bar->maximum() > 0 && bar->value() == bar->maximum(); }, 5000));

    // Scrolled to the top: the next page loads above, and the message in view stays in view (the
    // day separator moving to the new first row may shift it by its height).
    const auto topBody = [&] {
        return view->indexAt(QPoint(10, view->viewport()->height() / 2)).data(ConversationModel::BodyRole).toString();
    };
    bar->setValue(bar->minimum());
    const QString wasOnTop = topBody();
    QVERIFY(QTest::qWaitFor([&] { return view->model()->rowCount() == 100; }, 10000));
    const bool held = QTest::qWaitFor([&] { return topBody() == wasOnTop && bar->value() > bar->minimum(); }, 5000);
    QVERIFY2(held, qPrintable(QStringLiteral("%1 on top (was %2), at %3 of %4")
                                  .arg(topBody(), wasOnTop)
                                  .arg(bar->value())
                                  .arg(bar->maximum())));
    // And loading goes on: up to the top again, the rest comes.
    bar->setValue(bar->minimum());
    QVERIFY(QTest::qWaitFor([&] { return view->model()->rowCount() == kHistory; }, 10000));

    // Reading further up: a new message waits below behind the button, the place is kept.
    bar->setValue(bar->maximum() / 2);
    const int place = bar->value();
    auto *below = window.chat()->findChild<QToolButton *>(QStringLiteral("newMessagesBelow"));
    QVERIFY(below && !below->isVisible());
    pete->sendMessage(QStringLiteral("olga"), QStringLiteral("new one"));
    QVERIFY(QTest::qWaitFor([&] { return below->isVisible(); }, 10000));
    QCOMPARE(below->text(), QStringLiteral("1 new message ↓"));
    QCOMPARE(bar->value(), place);
    below->click();
    QVERIFY(QTest::qWaitFor([&] { return bar->value() == bar->maximum(); }, 5000));
    QVERIFY(!below->isVisible());

    // At the bottom, a long message is followed to its end, not halfway.
    QString longBody;
    for (int line = 0; line < 60; ++line)
        longBody += QStringLiteral("line %1 of a long message\n").arg(line);
    pete->sendMessage(QStringLiteral("olga"), longBody.trimmed());
    QVERIFY(QTest::qWaitFor([&] { return view->model()->rowCount() == kHistory + 2; }, 10000));
    QVERIFY(QTest::qWaitFor([&] { return bar->maximum() > 0 && bar->value() == bar->maximum(); }, 5000));
    QVERIFY(!below->isVisible());
}

void TestMainWindow::emptyStatesAndErrorsInWords()
{
    auto quinn = signedIn(QStringLiteral("quinn"));
    QVERIFY(quinn);
    MainWindow window(quinn.get());
    window.show();
    auto *none = window.findChild<QLabel *>(QStringLiteral("noContacts"));
    auto *contacts = window.findChild<QListView *>(QStringLiteral("contacts"));
    QVERIFY(none && contacts);
    QVERIFY(QTest::qWaitFor([&] { return none->isVisible(); }, 5000));
    QVERIFY2(none->text().contains(QStringLiteral("Add a contact by their user name")), qPrintable(none->text()));
    QVERIFY(!contacts->isVisible());

    // A request the server refuses: said in words, never as its code.
    QSignalSpy errors(quinn.get(), &ClientSession::errorReceived);
    quinn->addContact(QStringLiteral("nosuchuser"));
    QVERIFY(errors.wait(5000));
    QCOMPARE(errors.first().first().value<ErrorCode>(), ErrorCode::NotFound);
    const QString shown = window.statusBar()->currentMessage();
    QVERIFY2(shown.contains(QStringLiteral("There is no user named nosuchuser")), qPrintable(shown));
    QVERIFY(!shown.contains(QStringLiteral("not_found")));
    quinn->addContact(QStringLiteral("quinn"));
    QVERIFY(errors.wait(5000));
    QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("not a user name you can add")),
             qPrintable(window.statusBar()->currentMessage()));

    // With contacts, a filter that matches none says so.
    auto rosa = signedIn(QStringLiteral("rosa"));
    QVERIFY(rosa && befriend(quinn.get(), rosa.get()));
    QVERIFY(QTest::qWaitFor([&] { return contacts->isVisible() && !none->isVisible(); }, 5000));
    window.findChild<QLineEdit *>(QStringLiteral("contactFilter"))->setText(QStringLiteral("zed"));
    QVERIFY(none->isVisible());
    QCOMPARE(none->text(), QStringLiteral("No contact matches “zed”."));
}

void TestMainWindow::previewsHeaderAndScreenReaderNames()
{
    auto samWithContacts = withTwoContacts(QStringLiteral("sam"), QStringLiteral("tom"), QStringLiteral("uma"));
    auto &sam = samWithContacts[0];
    auto &tom = samWithContacts[1];
    auto &uma = samWithContacts[2];
    QVERIFY(sam && tom && uma);
    auto window = std::make_unique<MainWindow>(sam.get());
    window->show();
    auto *contacts = window->findChild<QListView *>(QStringLiteral("contacts"));
    QVERIFY(contacts);
    const auto rowOf = [&](const QString &user) {
        for (int row = 0; row < contacts->model()->rowCount(); ++row) {
            if (contacts->model()->index(row, 0).data(ContactListModel::UserRole).toString() == user)
                return contacts->model()->index(row, 0);
        }
        return QModelIndex();
    };

    // uma writes: her row previews it, the title counts it, a screen reader hears it all.
    uma->sendMessage(QStringLiteral("sam"), QStringLiteral("hello from uma"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return rowOf(QStringLiteral("uma")).data(ContactListModel::PreviewRole).toString() ==
                   QStringLiteral("hello from uma");
        },
        10000));
    QCOMPARE(window->windowTitle(), QStringLiteral("Presently (1)"));
    const QString spoken = rowOf(QStringLiteral("uma")).data(Qt::AccessibleTextRole).toString();
    QVERIFY2(spoken.startsWith(QStringLiteral("uma, online")) && spoken.endsWith(QStringLiteral("1 unread")),
             qPrintable(spoken));

    // Sorted by recent conversation: uma first; then sam writes to tom: tom first, "You: …".
    window->setSortByRecent(true);
    QCOMPARE(contacts->model()->index(0, 0).data(ContactListModel::UserRole).toString(), QStringLiteral("uma"));
    sam->sendMessage(QStringLiteral("tom"), QStringLiteral("lunch?"));
    QCOMPARE(contacts->model()->index(0, 0).data(ContactListModel::UserRole).toString(), QStringLiteral("tom"));
    QCOMPARE(rowOf(QStringLiteral("tom")).data(ContactListModel::PreviewRole).toString(),
             QStringLiteral("You: lunch?"));

    // The open chat's header: the contact's status, live; and named for screen readers.
    window->openConversation(QStringLiteral("tom"));
    auto *status = window->chat()->findChild<QLabel *>(QStringLiteral("chatStatus"));
    QVERIFY(status);
    QCOMPARE(status->text(), QStringLiteral("Online"));
    QCOMPARE(window->chat()->findChild<QPlainTextEdit *>()->accessibleName(), QStringLiteral("Message to tom"));
    tom->signOut();
    QVERIFY(QTest::qWaitFor([&] { return status->text() == QStringLiteral("last seen just now"); }, 10000));
    auto *messages = window->chat()->findChild<QListView *>();
    QVERIFY(QTest::qWaitFor([&] { return messages->model() && messages->model()->rowCount() == 1; }, 10000));
    QVERIFY2(
        messages->model()->index(0, 0).data(Qt::AccessibleTextRole).toString().startsWith(QStringLiteral("You at ")),
        qPrintable(messages->model()->index(0, 0).data(Qt::AccessibleTextRole).toString()));

    // Restarted: the previews are there before any history is fetched.
    window.reset();
    sam.reset();
    sam = signedIn(QStringLiteral("sam"), false);
    QVERIFY(sam);
    QVERIFY(QTest::qWaitFor([&] { return sam->contacts()->rowCount() == 2; }, 10000));
    ContactListModel *model = sam->contacts();
    QStringList previews;
    for (int row = 0; row < model->rowCount(); ++row)
        previews.append(model->index(row).data(ContactListModel::PreviewRole).toString());
    previews.sort();
    QCOMPARE(previews, (QStringList{QStringLiteral("You: lunch?"), QStringLiteral("hello from uma")}));
}

void TestMainWindow::removingAContactAsksFirst()
{
    auto vera = signedIn(QStringLiteral("vera"));
    auto walt = signedIn(QStringLiteral("walt"));
    QVERIFY(vera && walt && befriend(vera.get(), walt.get()));
    MainWindow window(vera.get());
    window.show();
    auto *contacts = window.findChild<QListView *>(QStringLiteral("contacts"));
    QVERIFY(QTest::qWaitFor([&] { return contacts->model()->rowCount() == 1; }, 5000));
    const QPoint onRow = contacts->visualRect(contacts->model()->index(0, 0)).center();
    // Opens the row's menu, picks "Remove walt…", then answers the question with `answer`.
    const auto removeAnswering = [&](const QString &answer) {
        QString asked;
        QTimer::singleShot(200, &window, [&] {
            auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
            if (!menu)
                return;
            for (QAction *action : menu->actions()) {
                if (action->text() == QStringLiteral("Remove walt…")) {
                    QTimer::singleShot(200, &window, [&] {
                        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
                        if (!box)
                            return;
                        asked = box->text();
                        for (QAbstractButton *button : box->buttons()) {
                            if (button->text() == answer)
                                button->click();
                        }
                    });
                    action->trigger();
                }
            }
            menu->close();
        });
        Q_EMIT contacts->customContextMenuRequested(onRow);
        return asked;
    };
    QVERIFY(removeAnswering(QStringLiteral("Cancel")).startsWith(QStringLiteral("Remove walt from your contacts?")));
    QTest::qWait(300); // a removal would have been sent by now; walt must still be there
    QCOMPARE(vera->contacts()->rowCount(), 1);
    QVERIFY(!removeAnswering(QStringLiteral("Remove")).isEmpty());
    QVERIFY(
        QTest::qWaitFor([&] { return vera->contacts()->rowCount() == 0 && walt->contacts()->rowCount() == 0; }, 5000));
}

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
