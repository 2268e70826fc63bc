#include "ui/MessageActions.h"

#include "core/ClientSession.h"
#include "core/ConversationModel.h"

#include <QClipboard>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QMenu>
#include <QRegularExpression>
#include <QUrl>

namespace presently {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("MessageActions", text);
}
} // namespace

QStringList MessageActions::links(const QString &body)
{
    // Up to the first space or closing bracket; trailing punctuation belongs to the sentence.
    static const QRegularExpression url(QStringLiteral(R"(https?://[^\s<>"')\]]+)"),
                                        QRegularExpression::CaseInsensitiveOption);
    QStringList found;
    for (auto it = url.globalMatch(body); it.hasNext();) {
        QString link = it.next().captured();
        while (!link.isEmpty() && QStringLiteral(".,;:!?").contains(link.back()))
            link.chop(1);
        if (!found.contains(link) && QUrl(link, QUrl::StrictMode).isValid())
            found.append(link);
    }
    return found;
}

void MessageActions::fill(QMenu *menu, const QModelIndex &index, ClientSession *session, const QString &peer)
{
    if (!index.isValid())
        return;
    menu->addAction(tr("Copy text"), menu, [index] { copyText(index); });
    const QStringList found = links(index.data(ConversationModel::BodyRole).toString());
    for (const QString &link : found) {
        const QString shown = link.size() > 60 ? link.left(57) + QStringLiteral("…") : link;
        menu->addAction(tr("Open %1").arg(shown), menu, [link] { QDesktopServices::openUrl(QUrl(link)); });
    }
    if (index.data(ConversationModel::DeliveryRole).toInt() == static_cast<int>(ConversationModel::Delivery::Failed)) {
        const QString cid = index.data(ConversationModel::CidRole).toString();
        menu->addSeparator();
        menu->addAction(tr("Retry"), menu, [session, peer, cid] { session->retryMessage(peer, cid); });
        menu->addAction(tr("Delete"), menu, [session, peer, cid] { session->discardMessage(peer, cid); });
    }
}

void MessageActions::copyText(const QModelIndex &index)
{
    if (index.isValid())
        QGuiApplication::clipboard()->setText(index.data(ConversationModel::BodyRole).toString());
}

bool MessageActions::openFirstLink(const QModelIndex &index)
{
    const QStringList found = links(index.data(ConversationModel::BodyRole).toString());
    return !found.isEmpty() && QDesktopServices::openUrl(QUrl(found.first()));
}

} // namespace presently
