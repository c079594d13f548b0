/**
 * Opening and closing a serial port through an injected `@serialport` binding, with open
 * failures mapped to `LinkOpenError` codes. Used by the host link and by the MCU emulator.
 */
import type { BindingInterface } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { LinkOpenError, type LinkOpenCode } from '../errors.ts';

/** The platform's native binding, loaded on first use (it is a native addon). */
export async function defaultBinding(): Promise<BindingInterface> {
  const { autoDetect } = await import('@serialport/bindings-cpp');
  return autoDetect() as BindingInterface;
}

/**
 * Opens `path` at `baudRate` 8N1, no flow control.
 * @throws LinkOpenError NO_SUCH_DEVICE (no such path), PERMISSION (EACCES/EPERM) or OPEN_FAILED.
 */
export async function openSerialPort(link: string, binding: BindingInterface, path: string, baudRate: number): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding, path, baudRate, dataBits: 8, stopBits: 1, parity: 'none', autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const text = `${e.code ?? ''} ${e.message}`;
    const code: LinkOpenCode = /ENOENT|No such file/i.test(text) ? 'NO_SUCH_DEVICE' : /EACCES|EPERM|Permission denied/i.test(text) ? 'PERMISSION' : 'OPEN_FAILED';
    const hint = code === 'NO_SUCH_DEVICE' ? `no serial device at ${path}` : code === 'PERMISSION' ? `no permission to open ${path} (is the user in the dialout group?)` : `cannot open ${path}: ${e.message}`;
    throw new LinkOpenError(link, code, hint, { cause: err });
  }
  return port;
}

/** Closes a port; a port that is already closed or gone is fine. Never throws. */
export async function closeSerialPort(port: SerialPortStream): Promise<void> {
  if (!port.isOpen) return;
  await new Promise<void>((resolve) => port.close(() => resolve()));
}
