import { Module, type DynamicModule } from '@nestjs/common';
import { PersistenceModule } from '@lib/persistence';
import { ReplayService } from './replay.service.js';

/** Replay needs only the store: no kernel, no venue, no strategy. */
@Module({})
export class ReplayModule {
  static forStore(url: string): DynamicModule {
    return { module: ReplayModule, imports: [PersistenceModule.forRoot({ url, timeSeries: false })], providers: [ReplayService], exports: [ReplayService] };
  }
}
