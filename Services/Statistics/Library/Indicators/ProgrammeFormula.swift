import Postgres

/// The indicators counted from the communes' programme records (`registry.programme.recorded`),
/// over the 2025 communes of the area.
enum ProgrammeFormula: Sendable {
    /// Communes with a campaign held in the period, out of the area's communes.
    case campaignCommunes
    /// Communes applying an after-care model on the period's last day, out of the area's communes.
    case aftercareModelCommunes
    /// Communes recognised drug-free on or before the period's last day.
    case drugFreeCommunes
    /// Volunteer teams and clubs founded on or before the period's last day.
    case teamsAndClubs
    /// Communes recognised drug-free in the period (shown by former district).
    case turnedDrugFree
    /// Training records dated in the period (and in the year of its last day), out of the workers
    /// the communes declared for that year (each commune's latest `workforce` record for that year made by the period's
    /// last day); communes without a declaration count in neither.
    case staffTrained

    /// Whether it is a share of the area's communes.
    var isShare: Bool {
        switch self {
        case .campaignCommunes, .aftercareModelCommunes, .staffTrained: true
        case .drugFreeCommunes, .teamsAndClubs, .turnedDrugFree: false
        }
    }

    /// Which programme records `g` count in period `p`.
    var condition: SQLFragment {
        switch self {
        case .campaignCommunes: "g.kind = 'campaign' AND g.on_date BETWEEN p.s AND p.e"
        case .aftercareModelCommunes: "g.kind = 'aftercare-model' AND g.on_date <= p.e AND (g.until IS NULL OR g.until >= p.e)"
        case .drugFreeCommunes: "g.kind = 'drug-free' AND g.on_date <= p.e"
        case .turnedDrugFree: "g.kind = 'drug-free' AND g.on_date BETWEEN p.s AND p.e"
        case .teamsAndClubs: "g.kind = 'group' AND g.group_type IN ('volunteer_team', 'club') AND g.on_date <= p.e"
        case .staffTrained: "g.kind = 'training' AND g.on_date BETWEEN greatest(p.s, make_date(EXTRACT(YEAR FROM p.e)::int, 1, 1)) AND p.e"
        }
    }

    /// What a commune contributes to the denominator of a share, by period `k`: nil when it is the
    /// number of the area's communes (each counts 1).
    var base: SQLFragment? {
        switch self {
        case .staffTrained:
            """
            SELECT DISTINCT ON (p.k, g.commune_code) p.k, g.commune_code, g.count::bigint AS n
            FROM periods p JOIN statistics.programmes g
              ON g.kind = 'workforce' AND g.year = EXTRACT(YEAR FROM p.e)::int AND g.on_date <= p.e
            ORDER BY p.k, g.commune_code, g.on_date DESC, g.record_id DESC
            """
        default: nil
        }
    }

    /// What a commune with such records counts: 1, or (teams and clubs) how many.
    var perCommune: SQLFragment {
        switch self {
        case .teamsAndClubs, .staffTrained: "count(*)"
        default: "1"
        }
    }
}
