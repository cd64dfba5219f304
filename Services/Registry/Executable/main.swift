import Registry
import ServiceKit

await ServiceCommand.main(RegistryService.descriptor)
