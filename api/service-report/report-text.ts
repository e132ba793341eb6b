/**
 * Words of the printed annual service report, per language. Kept in one object so they can move into the project's
 * message catalogs (en, zh-CN) as they are introduced; the definitions match docs/service-report.md.
 */
export type Lang = 'en' | 'zh-CN';

const en = {
  title: (year: number) => `Annual service report ${year}`,
  period: 'Period', timeZone: 'Time zone', generated: 'Generated', settings: 'Settings',
  settingsValue: (w: number, n: number) => `external income weight ${w}; platform yearly hours norm ${n} h (equipment may set their own)`,
  summary: 'Platform summary', perEquipment: 'Per equipment', monthly: 'Effective hours per month', sharing: 'Sharing rate by equipment',
  customers: 'Customers served', definitions: 'How each figure is defined', none: 'none',
  band: { all: 'All equipment', '>=500000': 'Original value ≥ 500 000 CNY', '>=10000000': 'Original value ≥ 10 000 000 CNY' },
  internal: 'internal', external: 'external',
  head: {
    equipment: 'Equipment', count: 'Equipment', effectiveHours: 'Effective h', internalHours: 'Internal h', externalHours: 'External h',
    sharingRate: 'Sharing rate', averageEffectiveHours: 'Avg effective h', averageExternalHours: 'Avg external h', bookedHours: 'Booked h',
    bookings: 'Bookings', noShows: 'No-shows', income: 'Income int. / ext.', yield: 'Yield', orgsServed: 'Orgs served', reportsIssued: 'Reports',
    availability: 'Availability', norm: 'Norm h', meetsNorm: 'Meets norm', organisation: 'Organisation', hours: 'Hours', charges: 'Charges',
    meetingNorm: 'Meeting norm', yes: 'yes', no: 'no',
  },
  defs: [
    ['Effective hours (年有效工作机时)', 'Measured run time of every run (internal use included), each run clipped to the period. A run opens and closes from the equipment\'s own process data (its run condition) or by staff; a corrected run counts with its corrected times.'],
    ['External / internal hours (对外服务机时)', 'External: run time of runs for organisations other than the platform operator. Internal: the operator\'s runs and runs without an organisation.'],
    ['Sharing rate (共享率)', 'External hours ÷ effective hours.'],
    ['Booked hours, bookings, cancellations, no-shows', 'Booked hours: approved, completed and no-show bookings clipped to the period. Counts belong to the period in which the booking starts. Measured ÷ booked: hours of runs made under a booking ÷ booked hours.'],
    ['Income', 'Usage billing of the bookings that start in the period: billed time under the equipment\'s policy (booked, used or the larger) × the internal or external hourly rate.'],
    ['Yield (收益率)', '(Internal income + external income × weight) ÷ the equipment\'s original value (设备原值).'],
    ['Value band', 'By original value in CNY: ≥ 10 000 000, ≥ 500 000, below, or unknown (not recorded or in another currency).'],
    ['Organisations served', 'Organisations other than the operator with at least one run in the period.'],
    ['Reports issued', 'Verification reports issued in the period (first versions; amendments are not counted again).'],
    ['Maintenance, offline hours, availability', 'Maintenance windows and device outages recorded during runs, clipped to the period. Availability = (period − maintenance − offline) ÷ period.'],
    ['Hours norm', 'The yearly norm (the equipment\'s own or the platform\'s) pro-rated to the part of the year the period covers; met when effective hours reach it.'],
  ] as [string, string][],
};

const zh: typeof en = {
  title: (year: number) => `${year} 年度服务成效报告`,
  period: '统计期间', timeZone: '时区', generated: '生成时间', settings: '参数',
  settingsValue: (w: number, n: number) => `对外收入权重 ${w}；平台年机时定额 ${n} 小时（设备可另设）`,
  summary: '平台汇总', perEquipment: '按设备', monthly: '每月有效机时', sharing: '各设备共享率',
  customers: '服务的客户单位', definitions: '指标定义', none: '无',
  band: { all: '全部设备', '>=500000': '原值 ≥ 50 万元', '>=10000000': '原值 ≥ 1000 万元' },
  internal: '校内', external: '对外',
  head: {
    equipment: '设备', count: '设备数', effectiveHours: '有效机时', internalHours: '内部机时', externalHours: '对外服务机时',
    sharingRate: '共享率', averageEffectiveHours: '平均有效机时', averageExternalHours: '平均对外机时', bookedHours: '预约机时',
    bookings: '预约数', noShows: '爽约', income: '收入 内/外', yield: '收益率', orgsServed: '服务单位数', reportsIssued: '报告数',
    availability: '可用率', norm: '定额机时', meetsNorm: '达到定额', organisation: '单位', hours: '机时', charges: '费用',
    meetingNorm: '达到定额', yes: '是', no: '否',
  },
  defs: [
    ['年有效工作机时', '全部运行（含内部使用）的实测运行时间，按统计期间截取。运行由设备自身过程数据（运行条件）或工作人员开启和关闭；经更正的运行按更正后的时间计。'],
    ['对外服务机时 / 内部机时', '对外：平台运营单位以外的单位的运行时间。内部：运营单位的运行及无单位的运行。'],
    ['共享率', '对外服务机时 ÷ 年有效工作机时。'],
    ['预约机时、预约、取消、爽约', '预约机时：已批准、已完成及爽约的预约，按统计期间截取。次数计入预约开始所在期间。实测÷预约：预约下运行的机时 ÷ 预约机时。'],
    ['收入', '期间内开始的预约的使用计费：按设备计费方式（预约、实用或取大）的计费时间 × 内部或对外小时费率。'],
    ['收益率', '（内部收入 + 对外收入 × 权重）÷ 设备原值。'],
    ['价值档', '按人民币原值：≥ 1000 万元、≥ 50 万元、以下，或未知（未登记或为其他币种）。'],
    ['服务单位', '期间内至少有一次运行的运营单位以外的单位。'],
    ['出具报告', '期间内出具的检验报告（首版；更正版不重复计）。'],
    ['维护、离线机时、可用率', '维护时段及运行期间记录的设备离线，按期间截取。可用率 =（期间 − 维护 − 离线）÷ 期间。'],
    ['机时定额', '年定额（设备自设或平台统一）按期间占全年的比例折算；有效机时达到即为达到定额。'],
  ],
};

export const reportText: Record<Lang, typeof en> = { en, 'zh-CN': zh };
