// TOML basic strings. JSON's string escapes (\" \\ \n \t \uXXXX ...) are all valid TOML escapes,
// so JSON.stringify yields a valid TOML basic string for any input.
export function tomlString(value: string): string {
  return JSON.stringify(value);
}
