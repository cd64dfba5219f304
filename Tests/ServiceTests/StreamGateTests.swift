import Testing

@testable import Statistics

/// The bound on CSV exports streamed at once: a place is taken before a stream starts and given
/// back when its ticket is released, however the stream ended.
@Suite("Statistics: CSV streams at once")
struct StreamGateTests {
    @Test func placesAreRefusedAtTheLimitAndFreedWithTheirTickets() {
        let gate = StreamGate(limit: 2)
        var first = gate.ticket()
        let second = gate.ticket()
        #expect(first != nil && second != nil && gate.running == 2)
        #expect(gate.ticket() == nil && gate.running == 2)
        first = nil
        #expect(gate.running == 1)
        let third = gate.ticket()
        #expect(third != nil && gate.running == 2)
        withExtendedLifetime((second, third)) {}
    }

    @Test func aTicketHeldByADroppedAnswerIsGivenBack() {
        let gate = StreamGate(limit: 1)
        var body: (() -> Void)? = { [ticket = gate.ticket()] in withExtendedLifetime(ticket) {} }
        #expect(gate.running == 1 && gate.ticket() == nil)
        body = nil
        #expect(gate.running == 0 && body == nil)
    }
}
