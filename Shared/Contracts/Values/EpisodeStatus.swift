import EventBus

/// Where a treatment episode stands (the treatment service's `EpisodeMachine` says how it moves).
public enum EpisodeStatus: String, EventValue {
    /// Decided or registered, not yet begun.
    case planned
    case active
    /// Ended with the required stages done and the term served.
    case completed
    /// Ended early: dropped out, terminated, incarcerated, died, or cancelled before it began.
    case discontinued
    /// Ended because the person continues in another form of treatment (a new episode follows).
    case transferred

    /// Whether no change follows.
    public var isFinal: Bool { self == .completed || self == .discontinued || self == .transferred }
}

/// Why an episode ended.
public enum DischargeReason: String, EventValue {
    case completed
    case transferred
    case droppedOut = "dropped_out"
    /// Terminated by the facility (rules broken, substitution therapy stopped).
    case terminated
    case incarcerated
    case died
    case other

    /// The status an episode ending for this reason takes.
    public var status: EpisodeStatus {
        switch self {
        case .completed: .completed
        case .transferred: .transferred
        case .droppedOut, .terminated, .incarcerated, .died, .other: .discontinued
        }
    }
}
