import { App } from 'aws-cdk-lib';
import { OrdersStack } from '../lib/orders-stack';

// `cdk synth -c env=prod`; dev when no environment is chosen.
const app = new App();
new OrdersStack(app, 'Orders', { env: app.node.tryGetContext('env') ?? 'dev' });
