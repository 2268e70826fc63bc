#include "ui/MainWindow.h"

#include "core/ClientSession.h"
#include "core/ContactListModel.h"
#include "core/ContactSortFilterModel.h"
#include "ui/ChatWidget.h"
#include "ui/ContactDelegate.h"
#include "ui/StatusPainter.h"

#include <QAction>
#include <QCloseEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace presently {

MainWindow::MainWindow(ClientSession *session, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_sorted(new ContactSortFilterModel(this))
    , m_ownDot(new QLabel)
    , m_ownName(new QLabel)
    , m_statusButton(new QToolButton)
    , m_filter(new QLineEdit)
    , m_contacts(new QListView)
    , m_noContacts(new QLabel)
    , m_requests(new QListWidget)
    , m_requestsTitle(new QLabel(tr("Contact requests")))
    , m_chat(new ChatWidget(session))
    , m_connection(new QLabel)
    , m_retryNow(new QPushButton(tr("Retry now")))
    , m_connectionTimer(new QTimer(this))
{
    setWindowTitle(tr("Presently"));
    m_sorted->setSourceModel(session->contacts());

    QFont nameFont = m_ownName->font();
    nameFont.setBold(true);
    m_ownName->setFont(nameFont);
    m_statusButton->setPopupMode(QToolButton::InstantPopup);
    m_statusButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto *statusMenu = new QMenu(m_statusButton);
    statusMenu->addAction(StatusPainter::icon(Status::Online), tr("Automatic"), this,
                          [this] { m_session->setStatus(Mode::Auto, std::nullopt); });
    statusMenu->addAction(StatusPainter::icon(Status::Dnd), tr("Do not disturb"), this,
                          [this] { m_session->setStatus(Mode::Dnd, std::nullopt); });
    statusMenu->addAction(StatusPainter::icon(Status::Offline), tr("Invisible"), this,
                          [this] { m_session->setStatus(Mode::Invisible, std::nullopt); });
    statusMenu->addSeparator();
    statusMenu->addAction(tr("Set status text…"), this, &MainWindow::promptStatusText);
    statusMenu->addSeparator();
    m_sortByRecent = statusMenu->addAction(tr("Sort contacts by recent conversation"));
    m_sortByRecent->setCheckable(true);
    connect(m_sortByRecent, &QAction::toggled, this, [this](bool recent) {
        m_sorted->setSortByRecent(recent);
        Q_EMIT sortByRecentChanged(recent);
    });
    statusMenu->addAction(tr("Blocked people…"), this, &MainWindow::showBlocked);
    statusMenu->addAction(tr("Settings…"), this, &MainWindow::settingsRequested);
    statusMenu->addAction(tr("Sign out"), this, &MainWindow::signOutRequested);
    statusMenu->addAction(tr("Quit"), this, &MainWindow::quitRequested);
    m_statusButton->setMenu(statusMenu);

    auto *header = new QHBoxLayout;
    header->addWidget(m_ownDot);
    header->addWidget(m_ownName, 1);
    header->addWidget(m_statusButton);

    m_filter->setObjectName(QStringLiteral("contactFilter"));
    m_filter->setPlaceholderText(tr("Filter contacts (Ctrl+K)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->installEventFilter(this);
    // Enter in the filter opens the first match: Ctrl+K, a few letters, Enter.
    connect(m_filter, &QLineEdit::returnPressed, this, [this] {
        const QModelIndex first = m_sorted->index(0, 0);
        if (first.isValid())
            openConversation(first.data(ContactListModel::UserRole).toString());
    });
    auto *quickSwitch = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_K), this);
    connect(quickSwitch, &QShortcut::activated, this, [this] {
        m_filter->setFocus(Qt::ShortcutFocusReason);
        m_filter->selectAll();
    });
    auto *find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] { m_chat->startFind(); });
    connect(m_filter, &QLineEdit::textChanged, m_sorted, &ContactSortFilterModel::setFilterFixedString);
    connect(m_filter, &QLineEdit::textChanged, this, &MainWindow::updateEmptyState);

    m_contacts->setObjectName(QStringLiteral("contacts"));
    m_contacts->setModel(m_sorted);
    m_contacts->setItemDelegate(new ContactDelegate(m_contacts));
    m_contacts->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_contacts->setContextMenuPolicy(Qt::CustomContextMenu);
    // Clicked or Enter: open and write; arrows: open, staying in the list.
    connect(m_contacts, &QListView::clicked, this,
            [this](const QModelIndex &index) { openConversation(index.data(ContactListModel::UserRole).toString()); });
    connect(m_contacts, &QListView::activated, this,
            [this](const QModelIndex &index) { openConversation(index.data(ContactListModel::UserRole).toString()); });
    connect(m_contacts->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &index) {
        if (index.isValid() && m_contacts->hasFocus())
            m_chat->showConversation(index.data(ContactListModel::UserRole).toString(), false);
    });
    connect(m_contacts, &QListView::customContextMenuRequested, this, [this](const QPoint &at) {
        const QString user = m_contacts->indexAt(at).data(ContactListModel::UserRole).toString();
        if (user.isEmpty())
            return;
        QMenu menu;
        menu.addAction(tr("Remove %1…").arg(user), this, [this, user] { confirmRemoveContact(user); });
        menu.addAction(tr("Block %1…").arg(user), this, [this, user] { confirmBlock(user); });
        menu.exec(m_contacts->viewport()->mapToGlobal(at));
    });

    m_requests->setMaximumHeight(90);
    connect(m_requests, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        // The user's name, never the row's text ("bob (waiting for them)").
        const QString user = item->data(UserRole).toString();
        QMenu menu(this);
        if (item->data(OutgoingRole).toBool()) {
            menu.addAction(tr("Cancel the request to %1").arg(user), this,
                           [this, user] { m_session->removeContact(user); });
        } else {
            menu.addAction(tr("Accept %1").arg(user), this, [this, user] { m_session->acceptContact(user); });
            menu.addAction(tr("Decline"), this, [this, user] { m_session->removeContact(user); });
            menu.addAction(tr("Block %1…").arg(user), this, [this, user] { confirmBlock(user); });
        }
        // At the row (keyboard or mouse alike), not wherever the pointer happens to be.
        menu.exec(m_requests->viewport()->mapToGlobal(m_requests->visualItemRect(item).bottomLeft()));
    });
    auto *add = new QPushButton(tr("Add contact…"));
    connect(add, &QPushButton::clicked, this, &MainWindow::promptAddContact);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->addLayout(header);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_contacts, 1);
    leftLayout->addWidget(m_noContacts, 1);
    m_noContacts->setObjectName(QStringLiteral("noContacts"));
    m_noContacts->setWordWrap(true);
    m_noContacts->setAlignment(Qt::AlignCenter);
    m_noContacts->setForegroundRole(QPalette::PlaceholderText);
    m_noContacts->hide();
    connect(m_sorted, &QAbstractItemModel::modelReset, this, &MainWindow::updateEmptyState);
    connect(m_sorted, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateEmptyState);
    connect(m_sorted, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateEmptyState);
    connect(m_sorted, &QAbstractItemModel::layoutChanged, this, &MainWindow::updateEmptyState);
    leftLayout->addWidget(m_requestsTitle);
    leftLayout->addWidget(m_requests);
    leftLayout->addWidget(add);

    auto *splitter = new QSplitter;
    splitter->addWidget(left);
    splitter->addWidget(m_chat);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({280, 520});
    setCentralWidget(splitter);
    statusBar()->addWidget(m_connection, 1);
    statusBar()->addPermanentWidget(m_retryNow);
    m_retryNow->setFlat(true);
    m_retryNow->hide();
    connect(m_retryNow, &QPushButton::clicked, this, [this] { m_session->retryNow(); });
    resize(860, 600);
    setMinimumSize(480, 360); // the contact list and a readable chat, side by side

    connect(session, &ClientSession::ownStatusChanged, this, &MainWindow::updateOwnStatus);
    connect(session, &ClientSession::signedIn, this, &MainWindow::updateOwnStatus);
    connect(session, &ClientSession::stateChanged, this, &MainWindow::updateConnectionState);
    connect(session, &ClientSession::rosterChanged, this, &MainWindow::updateRequests);
    connect(session, &ClientSession::errorReceived, this,
            [this](ErrorCode, const QString &message) { statusBar()->showMessage(message, 5000); });
    connect(m_connectionTimer, &QTimer::timeout, this, &MainWindow::updateConnectionState);
    connect(session->contacts(), &ContactListModel::unreadChanged, this, &MainWindow::updateTitle);
    // Names for screen readers (rows name themselves through the models' accessible roles).
    m_statusButton->setAccessibleName(tr("Your status"));
    m_filter->setAccessibleName(tr("Filter contacts"));
    m_contacts->setAccessibleName(tr("Contacts"));
    m_requests->setAccessibleName(tr("Contact requests"));
    m_retryNow->setAccessibleName(tr("Retry connecting now"));
    m_connectionTimer->start(1000);
    updateOwnStatus();
    updateConnectionState();
    updateRequests();
    updateEmptyState();
}

void MainWindow::updateEmptyState()
{
    const bool empty = m_sorted->rowCount() == 0;
    if (!empty) {
        m_noContacts->hide();
        m_contacts->show();
        return;
    }
    const QString filter = m_filter->text().trimmed();
    m_noContacts->setText(filter.isEmpty()
                              ? tr("No contacts yet.\n\nAdd a contact by their user name with “Add contact…” below; "
                                   "you see each other once they accept.")
                              : tr("No contact matches “%1”.").arg(filter));
    m_contacts->hide();
    m_noContacts->show();
}

void MainWindow::openConversation(const QString &peer)
{
    m_chat->showConversation(peer);
}

void MainWindow::restorePlacement(const QByteArray &geometry)
{
    if (restoreGeometry(geometry)) {
        const QRect frame = frameGeometry();
        for (const QScreen *screen : QGuiApplication::screens()) {
            const QRect seen = screen->availableGeometry().intersected(frame);
            // Enough of it, title bar included, to grab and move.
            if (seen.width() >= 200 && seen.height() >= 100 &&
                seen.contains(QPoint(frame.center().x(), frame.top() + 10)))
                return;
        }
    }
    const QRect screen = QGuiApplication::primaryScreen()->availableGeometry();
    resize(QSize(860, 600).boundedTo(screen.size()).expandedTo(minimumSize()));
    move(screen.center() - rect().center());
}

void MainWindow::setSortByRecent(bool recent)
{
    m_sortByRecent->setChecked(recent);
    m_sorted->setSortByRecent(recent);
}

void MainWindow::updateTitle()
{
    const int unread = m_session->contacts()->totalUnread();
    setWindowTitle(unread > 0 ? tr("Presently (%1)").arg(unread) : tr("Presently"));
}

void MainWindow::showNotice(const QString &text)
{
    statusBar()->showMessage(text, 15000);
}

void MainWindow::updateOwnStatus()
{
    const Status status = m_session->displayedOwnStatus();
    m_ownDot->setPixmap(StatusPainter::icon(status).pixmap(14, 14));
    m_ownName->setText(m_session->user());
    QString label = m_session->state() != ClientSession::State::Connected ? tr("Offline (not connected)")
                    : m_session->ownMode() == Mode::Invisible             ? tr("Invisible")
                                                                          : StatusPainter::label(status);
    if (!m_session->ownText().isEmpty())
        label += QStringLiteral(" · ") + m_session->ownText();
    m_statusButton->setText(label);
}

void MainWindow::updateConnectionState()
{
    switch (m_session->state()) {
    case ClientSession::State::Connected:
        m_connection->setText(tr("● Connected to %1").arg(m_session->server().host()));
        break;
    case ClientSession::State::Connecting:
    case ClientSession::State::SigningIn:
        m_connection->setText(tr("Connecting…"));
        break;
    case ClientSession::State::WaitingToReconnect: {
        const int seconds = (m_session->msUntilReconnect() + 999) / 1000;
        m_connection->setText(
            m_session->lastError().isEmpty()
                ? tr("Not connected — retrying in %1 s").arg(seconds)
                : tr("Not connected (%1) — retrying in %2 s").arg(m_session->lastError()).arg(seconds));
        break;
    }
    case ClientSession::State::SignedOut:
        m_connection->setText(tr("Signed out"));
        break;
    }
    m_retryNow->setVisible(m_session->state() == ClientSession::State::WaitingToReconnect);
}

void MainWindow::updateRequests()
{
    m_requests->clear();
    for (const QString &user : m_session->requests()) {
        auto *item = new QListWidgetItem(user, m_requests);
        item->setData(UserRole, user);
    }
    for (const QString &user : m_session->pending()) {
        auto *item = new QListWidgetItem(tr("%1 (waiting for them)").arg(user), m_requests);
        item->setData(UserRole, user);
        item->setData(OutgoingRole, true);
    }
    const bool any = m_requests->count() > 0;
    m_requests->setVisible(any);
    m_requestsTitle->setVisible(any);
}

bool MainWindow::askBeforeDoing(QMessageBox::Icon icon, const QString &title, const QString &text,
                                const QString &action)
{
    QMessageBox ask(icon, title, text, QMessageBox::Cancel, this);
    QPushButton *confirm = ask.addButton(action, QMessageBox::DestructiveRole);
    ask.setDefaultButton(QMessageBox::Cancel); // Enter never removes or blocks anyone
    ask.exec();
    return ask.clickedButton() == confirm;
}

void MainWindow::confirmRemoveContact(const QString &user)
{
    if (askBeforeDoing(QMessageBox::Question, tr("Remove %1?").arg(user),
                       tr("Remove %1 from your contacts? You will no longer see each other's status, and to write "
                          "again one of you has to send a new request. Your conversation stays.")
                           .arg(user),
                       tr("Remove")))
        m_session->removeContact(user);
}

void MainWindow::confirmBlock(const QString &user)
{
    if (askBeforeDoing(QMessageBox::Warning, tr("Block %1?").arg(user),
                       tr("Block %1? You stop being contacts and no longer see each other; their requests are "
                          "dropped without telling them. You can unblock them later (Blocked people…).")
                           .arg(user),
                       tr("Block")))
        m_session->blockUser(user);
}

void MainWindow::showBlocked()
{
    const QStringList blocked = m_session->blocked();
    if (blocked.isEmpty()) {
        QMessageBox::information(this, tr("Blocked people"), tr("You have not blocked anyone."));
        return;
    }
    bool ok = false;
    const QString user = QInputDialog::getItem(this, tr("Blocked people"), tr("Unblock:"), blocked, 0, false, &ok);
    if (ok && !user.isEmpty())
        m_session->unblockUser(user);
}

void MainWindow::promptAddContact()
{
    bool ok = false;
    const QString user =
        QInputDialog::getText(this, tr("Add contact"), tr("User name:"), QLineEdit::Normal, QString(), &ok);
    if (ok && !user.trimmed().isEmpty())
        m_session->addContact(user.trimmed().toLower());
}

void MainWindow::promptStatusText()
{
    bool ok = false;
    const QString text = QInputDialog::getText(this, tr("Status text"), tr("What are you up to? (empty clears)"),
                                               QLineEdit::Normal, m_session->ownText(), &ok);
    if (ok)
        m_session->setStatus(std::nullopt, text.left(128));
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_filter && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Escape && !m_filter->text().isEmpty()) {
            m_filter->clear();
            return true;
        }
        if (key == Qt::Key_Down && m_sorted->rowCount() > 0) { // on into the list
            m_contacts->setFocus(Qt::TabFocusReason);
            m_contacts->setCurrentIndex(m_sorted->index(0, 0));
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_hideOnClose) {
        hide();
        event->ignore();
        Q_EMIT hiddenToTray();
        return;
    }
    QMainWindow::closeEvent(event);
    Q_EMIT quitRequested(); // with `bye`, never just gone (looking online until the TTL)
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::ActivationChange && isActiveWindow())
        m_chat->markReadIfVisible();
    QMainWindow::changeEvent(event);
}

} // namespace presently
