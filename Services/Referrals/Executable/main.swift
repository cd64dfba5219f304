import Referrals
import ServiceKit

await ServiceCommand.main(ReferralsService.descriptor)
