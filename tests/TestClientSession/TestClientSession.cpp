#include <QTest>
class TestClientSession : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestClientSession)
#include "TestClientSession.moc"
