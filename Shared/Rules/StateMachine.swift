/// The transitions a stateful record (a referral, an episode, an after-care period) may take,
/// each named and each under the rule that allows it. Records check every change here, so a
/// refused change names what it asked for, where the record stands, and the rule it breaks.
///
///     let referrals = StateMachine<ReferralStatus>("referral", [
///         .init("respond", from: [.sent], to: [.accepted, .declined], rule: "Only a referral sent ..."),
///     ])
///     try referrals.check("respond", from: current, to: .accepted)   // throws a Refusal
public struct StateMachine<State: RawRepresentable & Hashable & Sendable>: Sendable where State.RawValue == String {
    /// One named change: from which states, to which, and the rule that says so.
    public struct Transition: Sendable {
        public let action: String
        public let from: Set<State>
        public let to: Set<State>
        public let rule: String

        public init(_ action: String, from: Set<State>, to: Set<State>, rule: String) {
            self.action = action
            self.from = from
            self.to = to
            self.rule = rule
        }
    }

    /// A change the machine does not allow.
    public struct Refusal: Error, Sendable, Equatable {
        /// What the record is (`referral`).
        public let record: String
        public let action: String
        public let state: String
        /// The states `action` may start from (empty for an unknown action).
        public let allowedFrom: [String]
        /// The rule the change breaks.
        public let rule: String

        public init(record: String, action: String, state: String, allowedFrom: [String], rule: String) {
            self.record = record
            self.action = action
            self.state = state
            self.allowedFrom = allowedFrom
            self.rule = rule
        }

        /// One sentence for people.
        public var description: String {
            let needs = allowedFrom.isEmpty ? "is not a change a \(record) knows" : "needs it to be \(allowedFrom.joined(separator: " or "))"
            return "The \(record) is \(state); \(action) \(needs). \(rule)"
        }
    }

    /// What the records are called in refusals (`referral`).
    public let record: String
    private let transitions: [String: Transition]

    /// `transitions` by action; an action given twice is a programming error.
    public init(_ record: String, _ transitions: [Transition]) {
        self.record = record
        self.transitions = Dictionary(
            transitions.map { ($0.action, $0) },
            uniquingKeysWith: { first, _ in
                preconditionFailure("action \(first.action) of \(record) is defined twice")
            })
    }

    /// The transition of `action`, if the machine has one.
    public func transition(_ action: String) -> Transition? { transitions[action] }

    /// Checks that `action` may take a record from `state` to `target`; throws the `Refusal`
    /// naming the rule otherwise.
    public func check(_ action: String, from state: State, to target: State) throws(Refusal) {
        guard let transition = transitions[action] else {
            throw Refusal(record: record, action: action, state: state.rawValue, allowedFrom: [], rule: "No rule allows \(action).")
        }
        guard transition.from.contains(state), transition.to.contains(target) else {
            throw Refusal(
                record: record, action: action, state: state.rawValue, allowedFrom: transition.from.map(\.rawValue).sorted(),
                rule: transition.rule)
        }
    }

    /// Every state reachable in one step from `state`, for documents and clients.
    public func next(from state: State) -> Set<State> {
        transitions.values.filter { $0.from.contains(state) }.reduce(into: Set()) { $0.formUnion($1.to) }
    }
}
