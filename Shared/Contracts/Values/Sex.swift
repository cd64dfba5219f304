import EventBus

/// Sex as recorded (giới tính), for records and the disaggregations of the statistics.
public enum Sex: String, EventValue {
    case male, female
}
