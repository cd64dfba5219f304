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

    /// Whether it is a share of the area's communes.
    var isShare: Bool {
        switch self {
        case .campaignCommunes, .aftercareModelCommunes: true
        case .drugFreeCommunes, .teamsAndClubs, .turnedDrugFree: false
        }
    }

    /// What a commune `u.code` counts in period `p` (a number; 0 or 1 for a commune that qualifies).
    var counted: SQLFragment {
        switch self {
        case .campaignCommunes:
            """
            (EXISTS (SELECT 1 FROM statistics.programmes g
                     WHERE g.commune_code = u.code AND g.kind = 'campaign' AND g.on_date BETWEEN p.s AND p.e))::int
            """
        case .aftercareModelCommunes:
            """
            (EXISTS (SELECT 1 FROM statistics.programmes g
                     WHERE g.commune_code = u.code AND g.kind = 'aftercare-model' AND g.on_date <= p.e AND (g.until IS NULL OR g.until >= p.e)))::int
            """
        case .drugFreeCommunes:
            "(EXISTS (SELECT 1 FROM statistics.programmes g WHERE g.commune_code = u.code AND g.kind = 'drug-free' AND g.on_date <= p.e))::int"
        case .turnedDrugFree:
            """
            (EXISTS (SELECT 1 FROM statistics.programmes g
                     WHERE g.commune_code = u.code AND g.kind = 'drug-free' AND g.on_date BETWEEN p.s AND p.e))::int
            """
        case .teamsAndClubs:
            """
            (SELECT count(*) FROM statistics.programmes g
             WHERE g.commune_code = u.code AND g.kind = 'group' AND g.group_type IN ('volunteer_team', 'club') AND g.on_date <= p.e)::int
            """
        }
    }
}
