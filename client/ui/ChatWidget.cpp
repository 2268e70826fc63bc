#include "ui/ChatWidget.h"

#include "core/DisplayText.h"

#include "core/ClientSession.h"
#include "core/ContactListModel.h"
#include "core/ConversationModel.h"
#include "ui/MessageActions.h"
#include "ui/MessageDelegate.h"
#include "ui/PaletteColors.h"
#include "ui/StatusPainter.h"

#include <QDateTime>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QShortcut>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace presently {

ChatWidget::ChatWidget(ClientSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_titleDot(new QLabel(this))
    , m_title(new QLabel(this))
    , m_subtitle(new QLabel(this))
    , m_find(new QLineEdit(this))
    , m_view(new QListView(this))
    , m_typing(new QLabel(this))
    , m_input(new QPlainTextEdit(this))
    , m_sendButton(new QPushButton(tr("Send"), this))
    , m_limit(new QLabel(this))
    , m_newBelow(new QToolButton(m_view))
    , m_typingThrottle(new QTimer(this))
{
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_title->setFont(titleFont);
    m_view->setItemDelegate(new MessageDelegate(m_view));
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection); // the find bar's match
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_view->setResizeMode(QListView::Adjust);
    m_view->setUniformItemSizes(false);
    m_view->setFrameShape(QFrame::NoFrame);
    m_typing->setMinimumHeight(m_typing->fontMetrics().height());
    QFont italic = m_typing->font();
    italic.setItalic(true);
    m_typing->setFont(italic);
    m_input->setPlaceholderText(tr("Write a message…"));
    m_input->setMaximumHeight(m_input->fontMetrics().height() * 5);
    m_input->installEventFilter(this);
    m_input->setTabChangesFocus(true); // Tab moves on, as everywhere else; it types no tab
    m_find->setObjectName(QStringLiteral("findInConversation"));
    m_find->setPlaceholderText(tr("Find in this conversation (Enter: older, Esc: close)"));
    m_find->setClearButtonEnabled(true);
    m_find->setAccessibleName(tr("Find in this conversation"));
    m_find->installEventFilter(this);
    m_find->hide();
    connect(m_find, &QLineEdit::textChanged, this, [this] {
        if (m_model)
            findFrom(m_model->rowCount());
    });
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        const int current = m_view->currentIndex().isValid() ? m_view->currentIndex().row() : m_model->rowCount();
        if (!findFrom(current) && m_model)
            findFrom(m_model->rowCount()); // from the newest again
    });
    m_typingThrottle->setSingleShot(true);
    m_typingThrottle->setInterval(3000);

    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_input, 1);
    inputRow->addWidget(m_sendButton, 0, Qt::AlignBottom);
    auto *layout = new QVBoxLayout(this);
    auto *header = new QHBoxLayout;
    header->addWidget(m_titleDot);
    header->addWidget(m_title);
    header->addWidget(m_subtitle, 1);
    m_subtitle->setForegroundRole(QPalette::PlaceholderText);
    m_subtitle->setObjectName(QStringLiteral("chatStatus"));
    layout->addLayout(header);
    layout->addWidget(m_find);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_typing);
    layout->addLayout(inputRow);
    layout->addWidget(m_limit, 0, Qt::AlignRight);

    connect(m_sendButton, &QPushButton::clicked, this, &ChatWidget::send);
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (m_adjusting)
            return;
        QScrollBar *bar = m_view->verticalScrollBar();
        m_anchorFromBottom = -1; // the user moved: the place is theirs again
        m_stickToBottom = value >= bar->maximum() - 8;
        if (value == bar->minimum() && !m_peer.isEmpty())
            m_session->loadOlder(m_peer); // lazily, as the user scrolls up
        if (m_stickToBottom) {
            m_unseenBelow = 0;
            m_newBelow->hide();
            markReadIfVisible();
        }
    });
    // Item heights are known only once laid out, after insertion: follow every change of range.
    connect(m_view->verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
        m_adjusting = true;
        if (m_stickToBottom)
            m_view->verticalScrollBar()->setValue(max); // a long message is followed to its end
        else if (m_anchorFromBottom >= 0)
            m_view->verticalScrollBar()->setValue(max - m_anchorFromBottom);
        m_adjusting = false;
    });
    m_newBelow->setObjectName(QStringLiteral("newMessagesBelow"));
    m_newBelow->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_newBelow->setAutoRaise(false);
    m_newBelow->hide();
    m_view->installEventFilter(this);
    connect(m_newBelow, &QToolButton::clicked, this, [this] {
        m_stickToBottom = true;
        m_view->scrollToBottom();
        m_unseenBelow = 0;
        m_newBelow->hide();
        markReadIfVisible();
    });
    // Past the server's limit the composer says so and will not send (the server would refuse it).
    m_limit->setVisible(false);
    connect(m_input, &QPlainTextEdit::textChanged, this, &ChatWidget::updateLimit);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, &ChatWidget::offerMessageActions);
    // Ctrl+C copies the selected message; a double click (or Enter) opens its link.
    auto *copy = new QShortcut(QKeySequence::Copy, m_view, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(copy, &QShortcut::activated, this, [this] { MessageActions::copyText(m_view->currentIndex()); });
    connect(m_view, &QAbstractItemView::activated, this,
            [](const QModelIndex &index) { MessageActions::openFirstLink(index); });
    connect(m_input, &QPlainTextEdit::textChanged, this, [this] {
        if (m_peer.isEmpty() || m_showingDraft)
            return;
        m_session->setDraft(m_peer, m_input->toPlainText()); // this conversation's, kept across restarts
        if (m_input->toPlainText().isEmpty()) {
            m_session->setTyping(m_peer, false);
            m_typingThrottle->stop();
        } else if (!m_typingThrottle->isActive()) {
            m_session->setTyping(m_peer, true); // repeated at most every 3 s while typing
            m_typingThrottle->start();
        }
    });
    connect(m_session, &ClientSession::typingChanged, this, [this](const QString &peer, bool typing) {
        if (peer == m_peer)
            m_typing->setText(typing ? tr("%1 is typing…").arg(peer) : QString());
    });
    connect(m_session, &ClientSession::accountCleared, this, &ChatWidget::clear);
    connect(m_session->contacts(), &QAbstractItemModel::dataChanged, this, &ChatWidget::updateHeader);
    connect(m_session->contacts(), &QAbstractItemModel::modelReset, this, &ChatWidget::updateHeader);
    clear();
}

void ChatWidget::clear()
{
    // The account's models are about to go: nothing of it stays on screen.
    if (m_model)
        m_model->disconnect(this);
    m_model = nullptr;
    m_peer.clear();
    m_view->setModel(nullptr);
    m_title->setText(tr("Choose a contact to chat with."));
    m_titleDot->clear();
    m_subtitle->clear();
    m_typing->clear();
    m_input->clear();
    m_find->clear();
    m_find->hide();
    setEnabled(false);
}

void ChatWidget::startFind()
{
    if (!m_model)
        return;
    m_find->show();
    m_find->setFocus();
    m_find->selectAll();
}

void ChatWidget::closeFind()
{
    m_find->clear();
    m_find->hide();
    m_view->clearSelection();
    m_input->setFocus();
}

bool ChatWidget::findFrom(int before)
{
    const QString text = m_find->text();
    m_view->clearSelection();
    if (!m_model || text.isEmpty())
        return false;
    for (int row = std::min(before, m_model->rowCount()) - 1; row >= 0; --row) {
        const QModelIndex index = m_model->index(row);
        if (index.data(ConversationModel::BodyRole).toString().contains(text, Qt::CaseInsensitive)) {
            m_view->setCurrentIndex(index);
            m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
            return true;
        }
    }
    return false;
}

void ChatWidget::showConversation(const QString &peer, bool focusInput)
{
    if (peer == m_peer && m_model) {
        if (focusInput)
            m_input->setFocus();
        return;
    }
    if (m_model)
        m_model->disconnect(this);
    if (!m_peer.isEmpty() && m_peer != peer && !m_input->toPlainText().isEmpty())
        m_session->setTyping(m_peer, false); // the draft stays with its conversation
    m_peer = peer;
    m_model = m_session->conversation(peer);
    m_session->setVisibleConversation(peer);
    updateHeader();
    m_typing->clear();
    // Each conversation has its own draft: what was typed for one never goes to another.
    m_showingDraft = true;
    m_input->setPlainText(m_session->draft(peer));
    m_input->moveCursor(QTextCursor::End);
    m_showingDraft = false;
    m_typingThrottle->stop();
    m_view->setModel(m_model);
    connect(m_model, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this](const QModelIndex &, int first, int) { onRowsAboutToBeInserted(first); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onRowsInserted(first, last); });
    m_unseenBelow = 0;
    m_newBelow->hide();
    m_anchorFromBottom = -1;
    setEnabled(true);
    if (m_model->rowCount() < 20)
        m_session->loadOlder(peer);
    if (m_find->isVisible())
        closeFind();
    scrollToBottomIfNear(true);
    if (focusInput)
        m_input->setFocus();
}

void ChatWidget::onRowsAboutToBeInserted(int first)
{
    if (first == 0 && m_model->rowCount() > 0 && !m_stickToBottom) {
        QScrollBar *bar = m_view->verticalScrollBar();
        m_anchorFromBottom = bar->maximum() - bar->value();
    }
}

void ChatWidget::onRowsInserted(int first, int last)
{
    const bool atEnd = last == m_model->rowCount() - 1 && first > 0;
    if (!atEnd || m_stickToBottom) {
        scrollToBottomIfNear(false);
        return;
    }
    int theirs = 0;
    for (int row = first; row <= last; ++row)
        theirs += m_model->index(row).data(ConversationModel::MineRole).toBool() ? 0 : 1;
    if (theirs == 0)
        return;
    m_unseenBelow += theirs;
    m_newBelow->setText(m_unseenBelow == 1 ? tr("1 new message ↓") : tr("%1 new messages ↓").arg(m_unseenBelow));
    m_newBelow->adjustSize();
    placeNewBelowButton();
    m_newBelow->show();
    m_newBelow->raise();
}

void ChatWidget::placeNewBelowButton()
{
    const QRect area = m_view->viewport()->geometry();
    m_newBelow->move(area.right() - m_newBelow->width() - 12, area.bottom() - m_newBelow->height() - 12);
}

void ChatWidget::scrollToBottomIfNear(bool force)
{
    if (force)
        m_stickToBottom = true;
    if (!m_stickToBottom)
        return;
    // Once laid out; unless the user has scrolled away meanwhile.
    QTimer::singleShot(0, this, [this] {
        if (!m_stickToBottom)
            return;
        m_view->scrollToBottom();
        markReadIfVisible();
    });
}

void ChatWidget::markReadIfVisible()
{
    if (!m_peer.isEmpty() && isVisible() && window()->isActiveWindow() && m_stickToBottom)
        m_session->markRead(m_peer);
}

void ChatWidget::updateHeader()
{
    if (m_peer.isEmpty())
        return;
    const ContactListModel *contacts = m_session->contacts();
    const UserPresence presence = contacts->presence(m_peer);
    QString line = presence.status == Status::Offline
                       ? ContactListModel::lastSeenText(presence.lastSeen, QDateTime::currentMSecsSinceEpoch())
                       : StatusPainter::label(presence.status);
    if (!presence.text.isEmpty())
        line += QStringLiteral(" · ") + DisplayText::isolated(presence.text);
    if (contacts->isStale())
        line += tr(" (when last connected)");
    m_title->setText(m_peer);
    m_subtitle->setText(line);
    m_view->setAccessibleName(tr("Messages with %1").arg(m_peer));
    m_input->setAccessibleName(tr("Message to %1").arg(m_peer));
    m_titleDot->setPixmap(StatusPainter::icon(presence.status, 0, 14).pixmap(14, 14));
    m_titleDot->setAccessibleName(StatusPainter::label(presence.status));
}

void ChatWidget::updateLimit()
{
    const int length = static_cast<int>(m_input->toPlainText().trimmed().toUcs4().size());
    const int limit = m_session->limits().maxBodyChars;
    const bool over = length > limit;
    // Shown from 90 % of the limit on.
    m_limit->setVisible(length * 10 >= limit * 9);
    m_limit->setText(over ? tr("%1 characters too long (at most %2)").arg(length - limit).arg(limit)
                          : tr("%1 / %2").arg(length).arg(limit));
    // Red past the limit (readable on light and dark palettes alike), muted before it.
    m_limit->setStyleSheet(over ? QStringLiteral("color: %1;").arg(PaletteColors::errorText(palette()).name())
                                : QString());
    m_limit->setForegroundRole(QPalette::PlaceholderText);
    m_sendButton->setEnabled(!over);
}

void ChatWidget::offerMessageActions(const QPoint &at)
{
    const QModelIndex index = m_view->indexAt(at);
    if (!index.isValid())
        return;
    m_view->setCurrentIndex(index);
    QMenu menu(this);
    MessageActions::fill(&menu, index, m_session, m_peer);
    menu.exec(m_view->viewport()->mapToGlobal(at));
}

void ChatWidget::send()
{
    const QString body = m_input->toPlainText().trimmed();
    if (body.isEmpty() || m_peer.isEmpty())
        return;
    if (body.toUcs4().size() > m_session->limits().maxBodyChars)
        return; // the limit line says why; the text stays for the user to shorten
    m_session->sendMessage(m_peer, body);
    m_input->clear();
    m_stickToBottom = true;
    scrollToBottomIfNear(true);
}

bool ChatWidget::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_view && event->type() == QEvent::Resize)
        placeNewBelowButton();
    if (watched == m_find && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
        closeFind();
        return true;
    }
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && !(key->modifiers() & Qt::ShiftModifier)) {
            send();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace presently
