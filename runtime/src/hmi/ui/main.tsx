import './styles.css';
import { render } from 'preact';
import { App } from './app.tsx';
import { HmiClient } from './hmi-client.ts';

const client = new HmiClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/hmi/ws`);
client.connect();
render(<App client={client} />, document.getElementById('app')!);
