import RegistryContracts

extension FacilityEvents.Saved {
    /// The event describing `facility`'s current state.
    init(_ facility: Facility) {
        self.init(
            facilityId: facility.id, kind: facility.kind, ownership: facility.ownership, provinceCode: facility.provinceCode,
            communeCode: facility.communeCode, capacity: facility.capacity, active: facility.active)
    }
}
