/**
 * The Kubernetes "restricted" Pod Security Standard (with the baseline it includes), field by
 * field, as the admission controller applies it to a pod spec, plus our own rule that a container's
 * root filesystem is read-only. Each rule names the field it reads, so a violation says what to fix.
 */
interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  seccompProfile?: { type?: string };
  capabilities?: { add?: string[]; drop?: string[] };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  appArmorProfile?: { type?: string };
}
interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}
export interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext & { sysctls?: { name: string }[] };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
}

/** Volume types the restricted standard allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
/** The only sysctls baseline allows (namespaced and safe). */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** What a pod spec breaks of the restricted standard; empty when it passes. */
export function restrictedViolations(pod: PodSpec): string[] {
  const violations: string[] = [];
  const fail = (rule: string) => violations.push(rule);
  const podContext = pod.securityContext ?? {};

  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) fail('spec.hostNetwork/hostPID/hostIPC must be unset or false');
  for (const sysctl of podContext.sysctls ?? []) if (!SAFE_SYSCTLS.has(sysctl.name)) fail(`spec.securityContext.sysctls: ${sysctl.name} is not a safe sysctl`);
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    for (const type of types) if (!RESTRICTED_VOLUMES.has(type)) fail(`spec.volumes[${String(volume.name)}]: ${type} volumes are not allowed`);
  }
  if (podContext.runAsUser === 0) fail('spec.securityContext.runAsUser must not be 0');
  checkSeLinuxAndAppArmor('spec.securityContext', podContext, fail);

  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const at = `container ${container.name}: securityContext`;
    const context = container.securityContext ?? {};
    if (context.privileged) fail(`${at}.privileged must be unset or false`);
    if (context.allowPrivilegeEscalation !== false) fail(`${at}.allowPrivilegeEscalation must be false`);
    if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) fail(`${at}.runAsNonRoot (or the pod's) must be true`);
    if (context.runAsUser === 0) fail(`${at}.runAsUser must not be 0`);
    const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') fail(`${at}.seccompProfile.type (or the pod's) must be RuntimeDefault or Localhost`);
    if (!(context.capabilities?.drop ?? []).includes('ALL')) fail(`${at}.capabilities.drop must include ALL`);
    for (const added of context.capabilities?.add ?? []) if (added !== 'NET_BIND_SERVICE') fail(`${at}.capabilities.add may hold only NET_BIND_SERVICE, not ${added}`);
    if (context.procMount !== undefined && context.procMount !== 'Default') fail(`${at}.procMount must be Default`);
    checkSeLinuxAndAppArmor(at, context, fail);
    for (const port of container.ports ?? []) if (port.hostPort) fail(`container ${container.name}: hostPort must be unset`);
    if (context.readOnlyRootFilesystem !== true) fail(`${at}.readOnlyRootFilesystem must be true`);
  }
  return violations;
}

function checkSeLinuxAndAppArmor(at: string, context: SecurityContext, fail: (rule: string) => void): void {
  if (context.seLinuxOptions?.user || context.seLinuxOptions?.role || !SELINUX_TYPES.has(context.seLinuxOptions?.type ?? '')) fail(`${at}.seLinuxOptions may set only an allowed type`);
  if (context.appArmorProfile?.type === 'Unconfined') fail(`${at}.appArmorProfile must not be Unconfined`);
}
