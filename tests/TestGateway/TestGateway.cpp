#include <QTest>
class TestGateway : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(TestGateway)
#include "TestGateway.moc"
