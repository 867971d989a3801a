// Releases that reached their end of life: a spec naming one is refused by name, with the date and
// the nearest release kspray supports, rather than as an unknown value. Dates are the distributions'
// own end of support (for Debian, the end of its LTS; for Ubuntu, of standard support).
export interface EndOfLife {
  /** YYYY-MM-DD */
  date: string;
  instead: string;
}

export const END_OF_LIFE: Record<string, EndOfLife> = {
  'debian-10': { date: '2024-06-30', instead: 'debian-12' },
  'debian-11': { date: '2026-08-31', instead: 'debian-12' },
  'ubuntu-18.04': { date: '2023-05-31', instead: 'ubuntu-22.04' },
  'ubuntu-20.04': { date: '2025-05-31', instead: 'ubuntu-22.04' },
  'amazonlinux-2': { date: '2026-06-30', instead: 'amazonlinux-2023' },
  // Kubespray CI's spelling (tests/files/amazon-linux-2-all-in-one.yml).
  'amazon-linux-2': { date: '2026-06-30', instead: 'amazonlinux-2023' },
  'centos-7': { date: '2024-06-30', instead: 'rocky-9' },
  'centos-8': { date: '2021-12-31', instead: 'rocky-9' },
  'fedora-36': { date: '2023-05-16', instead: 'fedora-43' },
  'fedora-37': { date: '2023-12-05', instead: 'fedora-43' },
  'fedora-38': { date: '2024-05-21', instead: 'fedora-43' },
  'fedora-39': { date: '2024-11-26', instead: 'fedora-43' },
  'fedora-40': { date: '2025-05-13', instead: 'fedora-43' },
  'fedora-41': { date: '2025-12-15', instead: 'fedora-43' },
  // One month after Fedora 44's release (Fedora's N+2 rule); Kubespray's CI still boots it.
  'fedora-42': { date: '2026-05-28', instead: 'fedora-43' },
  'opensuse-leap-15.5': { date: '2024-12-31', instead: 'opensuse-leap-15.6' },
};
