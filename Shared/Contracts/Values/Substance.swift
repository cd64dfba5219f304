import EventBus

/// The substances the services record (a person's, a drug test's, a declaration's): codes other
/// agencies count by.
public enum Substance: String, EventValue {
    case heroin, opium, morphine, methamphetamine, amphetamine, mdma, ketamine, cannabis, cocaine
    case syntheticCannabinoids = "synthetic_cannabinoids"
    case newPsychoactive = "new_psychoactive"
    case other
}
