import Statistics
import ServiceKit

await ServiceCommand.main(StatisticsService.descriptor)
