// Names for the image's error codes in messages: the SDK's own (host-node/errors.ts) by name,
// WeChat's call errors (negated, -1..-20 and -10008) as "wechat N".
import * as errors from "./errors.js";

export function errorName(code: number): string {
  for (const [name, value] of Object.entries(errors)) if (value === code) return name;
  if (code < 0 && code > -1000) return `wechat ${-code}`;
  if (code <= -9800000) return `wechat ${-code}`;
  return String(code);
}
