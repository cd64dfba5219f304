import Treatment
import ServiceKit

await ServiceCommand.main(TreatmentService.descriptor)
