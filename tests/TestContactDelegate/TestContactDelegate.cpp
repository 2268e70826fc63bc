// The contact row as painted: a row per status into an image, and the dot's pixels checked.
#include "core/ContactListModel.h"
#include "core/ConversationModel.h"
#include "ui/ContactDelegate.h"
#include "ui/MessageActions.h"
#include "ui/MessageDelegate.h"
#include "ui/PaletteColors.h"
#include "ui/StatusPainter.h"

#include <QApplication>
#include <QFontDatabase>
#include <QImage>
#include <QListView>
#include <QPainter>
#include <QStyle>
#include <QTest>

using namespace presently;

class TestContactDelegate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void paintsDotInStatusColour_data();
    void paintsDotInStatusColour();
    void paintsUnreadBadgeAndName();
    void messageTextReadsOnLightAndDark_data();
    void messageTextReadsOnLightAndDark();
    void statusesDifferByShape();
    void linksInMessages();
    void emojiRenderInColour();

private:
    QImage paintRow(Status status, int unread, const QRect &row);
    // One incoming message painted by MessageDelegate on the list's background, 400 x 120.
    static QImage paintMessage(const QPalette &palette, const QString &body);
};

void TestContactDelegate::emojiRenderInColour()
{
    if (!QFontDatabase::families().contains(QStringLiteral("Noto Color Emoji")))
        QSKIP("no colour emoji font here (scripts/install-deps.sh installs fonts-noto-color-emoji)");
    const QImage image =
        paintMessage(QApplication::style()->standardPalette(),
                     QStringLiteral("\U0001F44D\U0001F389\U0001F600")); // thumbs up, party popper, grin
    // Black text and grey bubbles have no saturation; a colour glyph has plenty.
    int colourful = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            colourful += image.pixelColor(x, y).hsvSaturation() > 120 ? 1 : 0;
    }
    QVERIFY2(colourful > 50, qPrintable(QStringLiteral("%1 colourful pixels").arg(colourful)));
}

void TestContactDelegate::linksInMessages()
{
    QCOMPARE(MessageActions::links(QStringLiteral("see https://example.com/a?b=1, and (http://x.org/y). "
                                                  "Again: https://example.com/a?b=1! ftp://no.pe")),
             (QStringList{QStringLiteral("https://example.com/a?b=1"), QStringLiteral("http://x.org/y")}));
    QVERIFY(MessageActions::links(QStringLiteral("no links here, just example.com")).isEmpty());
}

void TestContactDelegate::statusesDifferByShape()
{
    // Without colour (greyscale, colour blindness) each status still looks different: the
    // background shows through in different places.
    const auto mask = [](Status status) {
        QImage image(40, 40, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        QPainter painter(&image);
        StatusPainter::paintDot(&painter, QRectF(4, 4, 32, 32), status, Qt::white);
        painter.end();
        QString bits;
        for (int y = 6; y < 36; y += 3) {
            for (int x = 6; x < 36; x += 3)
                bits += qGray(image.pixel(x, y)) > 240 ? QLatin1Char('.') : QLatin1Char('#');
        }
        return bits;
    };
    const QStringList shapes{mask(Status::Online), mask(Status::Idle), mask(Status::Dnd), mask(Status::Offline)};
    for (int i = 0; i < shapes.size(); ++i) {
        for (int j = i + 1; j < shapes.size(); ++j)
            QVERIFY2(shapes.at(i) != shapes.at(j),
                     qPrintable(QStringLiteral("statuses %1 and %2 share a shape").arg(i).arg(j)));
    }
}

void TestContactDelegate::messageTextReadsOnLightAndDark_data()
{
    QTest::addColumn<QPalette>("palette");
    QTest::newRow("light (Fusion)") << QApplication::style()->standardPalette();
    // A typical dark desktop theme (Breeze Dark's roles).
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x20, 0x23, 0x26));
    dark.setColor(QPalette::Base, QColor(0x1b, 0x1e, 0x20));
    dark.setColor(QPalette::AlternateBase, QColor(0x23, 0x26, 0x29));
    dark.setColor(QPalette::Text, QColor(0xfc, 0xfc, 0xfc));
    dark.setColor(QPalette::WindowText, QColor(0xfc, 0xfc, 0xfc));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0xae, 0xe9));
    QTest::newRow("dark (Breeze Dark)") << dark;
    QTest::newRow("dark (the app's own)") << PaletteColors::darkPalette();
    // Dark with a dark highlight and grey text: the fallback to white must step in.
    QPalette murky = dark;
    murky.setColor(QPalette::Text, QColor(0x70, 0x70, 0x70));
    murky.setColor(QPalette::Highlight, QColor(0x30, 0x30, 0x80));
    QTest::newRow("dark, low-contrast theme") << murky;
}

void TestContactDelegate::messageTextReadsOnLightAndDark()
{
    QFETCH(QPalette, palette);
    for (const bool mine : {true, false}) {
        const PaletteColors::Bubble bubble = PaletteColors::bubble(palette, mine);
        const double ratio = PaletteColors::contrast(bubble.text, bubble.background);
        QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("%1 bubble: %2 on %3 is %4 : 1")
                                              .arg(mine ? QStringLiteral("own") : QStringLiteral("their"),
                                                   bubble.text.name(), bubble.background.name())
                                              .arg(ratio, 0, 'f', 2)));
        // The bubble stands apart from the list's background.
        QVERIFY(bubble.background != palette.color(QPalette::Base));
    }
    QVERIFY(PaletteColors::contrast(PaletteColors::errorText(palette), palette.color(QPalette::Window)) >= 4.5);

    // Painted with that palette, the bubble's pixels are the bubble colour (no colour of its own).
    const QImage image = paintMessage(palette, QStringLiteral("hello"));
    // The bubble's left padding, below the day separator (26 px) and its rounded corner.
    const QColor inside = image.pixelColor(16, 50);
    QCOMPARE(inside.name(), PaletteColors::bubble(palette, false).background.name());
}

QImage TestContactDelegate::paintMessage(const QPalette &palette, const QString &body)
{
    ConversationModel model(QStringLiteral("me"), QStringLiteral("them"));
    ChatMessage m;
    m.mid = 1;
    m.from = QStringLiteral("them");
    m.to = QStringLiteral("me");
    m.body = body;
    m.ts = 1;
    model.addMessage(m);
    MessageDelegate delegate;
    QStyleOptionViewItem option;
    option.rect = QRect(0, 0, 400, 120);
    option.font = QApplication::font();
    option.palette = palette;
    QImage image(option.rect.size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(palette.color(QPalette::Base));
    QPainter painter(&image);
    delegate.paint(&painter, option, model.index(0));
    painter.end();
    return image;
}

QImage TestContactDelegate::paintRow(Status status, int unread, const QRect &row)
{
    ContactListModel model;
    UserPresence p;
    p.user = QStringLiteral("alice");
    p.status = status;
    p.lastSeen = 1;
    model.setContacts({p});
    model.setUnread(QStringLiteral("alice"), unread);
    ContactDelegate delegate;
    QImage image(row.size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    QStyleOptionViewItem option;
    option.rect = row;
    option.font = QApplication::font();
    option.palette = QApplication::palette();
    option.state = QStyle::State_Enabled;
    delegate.paint(&painter, option, model.index(0));
    painter.end();
    return image;
}

void TestContactDelegate::paintsDotInStatusColour_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("online") << static_cast<int>(Status::Online);
    QTest::newRow("idle") << static_cast<int>(Status::Idle);
    QTest::newRow("dnd") << static_cast<int>(Status::Dnd);
    QTest::newRow("offline") << static_cast<int>(Status::Offline);
}

void TestContactDelegate::paintsDotInStatusColour()
{
    QFETCH(int, status);
    const QRect row(0, 0, 260, 44);
    const QImage image = paintRow(static_cast<Status>(status), 0, row);
    const QRectF dot = ContactDelegate::dotRect(row);
    // Inside the lower right of the dot: solid colour for every status (the dnd bar and the
    // offline hole sit in the middle, the idle crescent's bite at the top left).
    const QPoint probe(static_cast<int>(dot.center().x() + dot.width() * 0.25),
                       static_cast<int>(dot.center().y() + dot.height() * 0.25));
    const QColor expected = StatusPainter::color(static_cast<Status>(status));
    const QColor actual = image.pixelColor(probe);
    QVERIFY2(qAbs(actual.red() - expected.red()) <= 8 && qAbs(actual.green() - expected.green()) <= 8 &&
                 qAbs(actual.blue() - expected.blue()) <= 8,
             qPrintable(QStringLiteral("dot pixel %1, expected %2").arg(actual.name(), expected.name())));
    // Four statuses, four distinct colours (grey for offline).
    QCOMPARE(StatusPainter::color(Status::Online) == StatusPainter::color(Status::Idle), false);
    // And outside the dot, the background.
    QCOMPARE(image.pixelColor(QPoint(static_cast<int>(dot.left()) - 4, probe.y())), QColor(Qt::white));
}

void TestContactDelegate::paintsUnreadBadgeAndName()
{
    const QRect row(0, 0, 260, 44);
    const QImage withBadge = paintRow(Status::Online, 3, row);
    const QColor badge = withBadge.pixelColor(QPoint(row.right() - 10 - 11, row.center().y() - 6));
    QCOMPARE(badge, QColor(0x1f, 0x6f, 0xeb));
    const QImage noBadge = paintRow(Status::Online, 0, row);
    QCOMPARE(noBadge.pixelColor(QPoint(row.right() - 10 - 11, row.center().y() - 6)), QColor(Qt::white));
    // The name is drawn: some dark pixels right of the dot.
    int dark = 0;
    for (int x = 34; x < 120; ++x) {
        for (int y = 4; y < row.center().y(); ++y)
            dark += noBadge.pixelColor(x, y).lightness() < 128;
    }
    QVERIFY(dark > 20);
}

QTEST_MAIN(TestContactDelegate)
#include "TestContactDelegate.moc"
