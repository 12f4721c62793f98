/**
 * A compact, embedded gazetteer: every state and territory of the realtor dataset with a
 * handful of real cities and their real 3-digit ZIP prefixes (USPS sectional centres).
 * `weight` is the state's approximate share of listings in the full public dataset,
 * `median` its approximate median list price (2022; for the states of ../shared/data/realtor-sample.csv,
 * that sample's median), `size`/`lot` shift the log of
 * house size and lot size (smaller houses in PR and DC, bigger lots in rural states).
 * Cities may pin real 5-digit ZIPs; otherwise a few ZIPs are derived inside the prefix.
 */
export interface City {
  name: string;
  zipPrefix: number;
  zips?: number[];
}

export interface StateInfo {
  name: string;
  weight: number;
  median: number;
  size: number;
  lot: number;
  cities: City[];
}

type Row = [name: string, weight: number, median: number, size: number, lot: number, cities: (string | number | number[])[]];

// [state, weight %, median $, log-size shift, log-lot shift, [city, prefix, (zips)?, city, prefix, ...]]
const ROWS: Row[] = [
  ['Alabama', 2.0, 250_000, 0.02, 0.3, ['Birmingham', 352, 'Huntsville', 358, 'Mobile', 366, 'Montgomery', 361, 'Tuscaloosa', 354, 'Auburn', 368]],
  ['Alaska', 0.3, 330_000, 0.05, 0.7, ['Anchorage', 995, 'Fairbanks', 997, [99701, 99709, 99712], 'Juneau', 998, 'Wasilla', 996, 'Ketchikan', 999, [99901]]],
  ['Arizona', 3.0, 430_000, 0.0, 0.0, ['Phoenix', 850, 'Tucson', 857, 'Mesa', 852, 'Scottsdale', 852, 'Flagstaff', 860, 'Yuma', 853]],
  ['Arkansas', 1.2, 210_000, 0.0, 0.4, ['Little Rock', 722, 'Fayetteville', 727, 'Fort Smith', 729, 'Jonesboro', 724, 'Hot Springs', 719]],
  ['California', 7.0, 750_000, -0.05, -0.3, ['Los Angeles', 900, 'San Diego', 921, 'San Jose', 951, 'San Francisco', 941, 'Sacramento', 958, 'Fresno', 937, 'Bakersfield', 933, 'Riverside', 925, 'Oakland', 946]],
  ['Colorado', 2.0, 560_000, 0.05, 0.2, ['Denver', 802, 'Colorado Springs', 809, 'Aurora', 800, 'Fort Collins', 805, 'Pueblo', 810, 'Cañon City', 812]],
  ['Connecticut', 1.2, 280_000, 0.0, 1.0, ['Hartford', 61, 'New Haven', 65, 'Stamford', 69, 'Bridgeport', 66, 'Waterbury', 67, 'East Windsor', 60, [6016], 'Ellington', 60, [6029], 'Norwich', 63]],
  ['Delaware', 0.4, 360_000, 0.0, 0.1, ['Wilmington', 198, 'Dover', 199, 'Newark', 197, 'Lewes', 199]],
  ['District of Columbia', 0.2, 650_000, -0.2, -1.2, ['Washington', 200]],
  ['Florida', 10.0, 420_000, 0.0, -0.2, ['Miami', 331, 'Orlando', 328, 'Tampa', 336, 'Jacksonville', 322, 'Tallahassee', 323, 'Fort Myers', 339, 'Naples', 341, 'Ocala', 344, 'Pensacola', 325]],
  ['Georgia', 3.5, 350_000, 0.05, 0.3, ['Atlanta', 303, 'Savannah', 314, 'Augusta', 309, 'Macon', 312, 'Columbus', 319, 'Athens', 306]],
  ['Hawaii', 0.4, 850_000, -0.1, -0.3, ['Honolulu', 968, 'Hilo', 967, 'Kailua', 967, 'Kahului', 967]],
  ['Idaho', 0.8, 480_000, 0.05, 0.4, ['Boise', 837, 'Meridian', 836, 'Nampa', 836, 'Idaho Falls', 834, "Coeur d'Alene", 838]],
  ['Illinois', 3.5, 280_000, 0.0, -0.2, ['Chicago', 606, 'Aurora', 605, 'Naperville', 605, 'Rockford', 611, 'Peoria', 616, 'Springfield', 627]],
  ['Indiana', 2.0, 240_000, 0.0, 0.2, ['Indianapolis', 462, 'Fort Wayne', 468, 'Evansville', 477, 'South Bend', 466, 'Bloomington', 474]],
  ['Iowa', 1.0, 220_000, 0.0, 0.3, ['Des Moines', 503, 'Cedar Rapids', 524, 'Davenport', 528, 'Iowa City', 522, 'Sioux City', 511]],
  ['Kansas', 0.9, 230_000, 0.05, 0.3, ['Wichita', 672, 'Overland Park', 662, 'Kansas City', 661, 'Topeka', 666, 'Lawrence', 660]],
  ['Kentucky', 1.3, 220_000, 0.0, 0.4, ['Louisville', 402, 'Lexington', 405, 'Bowling Green', 421, 'Owensboro', 423]],
  ['Louisiana', 1.3, 230_000, 0.0, 0.2, ['New Orleans', 701, 'Baton Rouge', 708, 'Shreveport', 711, 'Lafayette', 705, 'Lake Charles', 706]],
  ['Maine', 0.6, 350_000, 0.0, 1.3, ['Portland', 41, 'Bangor', 44, 'Lewiston', 42, 'Augusta', 43]],
  ['Maryland', 1.8, 390_000, 0.0, 0.0, ['Baltimore', 212, 'Frederick', 217, 'Rockville', 208, 'Annapolis', 214, 'Salisbury', 218]],
  ['Massachusetts', 1.4, 350_000, 0.0, 0.7, ['Boston', 21, 'Worcester', 16, 'Springfield', 11, 'Cambridge', 21, 'Lowell', 18, 'Pittsfield', 12, 'Plymouth', 23, 'Barnstable', 26]],
  ['Michigan', 3.0, 230_000, 0.0, 0.3, ['Detroit', 482, 'Grand Rapids', 495, 'Lansing', 489, 'Ann Arbor', 481, 'Flint', 485, 'Kalamazoo', 490]],
  ['Minnesota', 1.5, 330_000, 0.05, 0.4, ['Minneapolis', 554, 'Saint Paul', 551, 'Rochester', 559, 'Duluth', 558, 'Bloomington', 554]],
  ['Mississippi', 0.9, 200_000, 0.0, 0.6, ['Jackson', 392, 'Gulfport', 395, 'Hattiesburg', 394, 'Biloxi', 395, 'Tupelo', 388]],
  ['Missouri', 2.0, 240_000, 0.0, 0.3, ['Kansas City', 641, 'Saint Louis', 631, 'Springfield', 658, 'Columbia', 652, 'Joplin', 648]],
  ['Montana', 0.5, 550_000, 0.05, 1.0, ['Billings', 591, 'Missoula', 598, 'Bozeman', 597, 'Great Falls', 594, 'Helena', 596]],
  ['Nebraska', 0.6, 260_000, 0.0, 0.3, ['Omaha', 681, 'Lincoln', 685, 'Grand Island', 688, 'Kearney', 688]],
  ['Nevada', 1.2, 430_000, 0.0, -0.2, ['Las Vegas', 891, 'Henderson', 890, 'Reno', 895, 'Carson City', 897]],
  ['New Hampshire', 0.5, 390_000, 0.0, 1.3, ['Manchester', 31, 'Nashua', 30, 'Concord', 33, 'Portsmouth', 38, 'Keene', 34]],
  ['New Jersey', 2.5, 470_000, 0.0, -0.3, ['Newark', 71, 'Jersey City', 73, 'Trenton', 86, 'Toms River', 87, 'Cherry Hill', 80, 'Paterson', 75]],
  ['New Mexico', 0.7, 330_000, 0.0, 0.5, ['Albuquerque', 871, 'Santa Fe', 875, 'Las Cruces', 880, 'Roswell', 882]],
  ['New York', 4.5, 350_000, -0.05, 0.6, ['New York', 100, 'Brooklyn', 112, 'Buffalo', 142, 'Rochester', 146, 'Albany', 122, 'Syracuse', 132, 'Yonkers', 107]],
  ['North Carolina', 3.5, 360_000, 0.02, 0.3, ['Charlotte', 282, 'Raleigh', 276, 'Greensboro', 274, 'Durham', 277, 'Wilmington', 284, 'Asheville', 288]],
  ['North Dakota', 0.2, 280_000, 0.05, 0.4, ['Fargo', 581, 'Bismarck', 585, 'Grand Forks', 582, 'Minot', 587]],
  ['Ohio', 3.5, 210_000, 0.0, 0.1, ['Columbus', 432, 'Cleveland', 441, 'Cincinnati', 452, 'Toledo', 436, 'Akron', 443, 'Dayton', 454]],
  ['Oklahoma', 1.3, 220_000, 0.02, 0.4, ['Oklahoma City', 731, 'Tulsa', 741, 'Norman', 730, 'Lawton', 735]],
  ['Oregon', 1.2, 500_000, 0.0, 0.2, ['Portland', 972, 'Eugene', 974, 'Salem', 973, 'Bend', 977, 'Medford', 975]],
  ['Pennsylvania', 4.0, 260_000, 0.0, 0.2, ['Philadelphia', 191, 'Pittsburgh', 152, 'Allentown', 181, 'Erie', 165, 'Harrisburg', 171, 'Scranton', 185]],
  ['Rhode Island', 0.3, 350_000, 0.0, 0.3, ['Providence', 29, 'Warwick', 28, 'Cranston', 29, 'Newport', 28]],
  ['South Carolina', 2.0, 340_000, 0.02, 0.2, ['Charleston', 294, 'Columbia', 292, 'Greenville', 296, 'Myrtle Beach', 295, 'Spartanburg', 293]],
  ['South Dakota', 0.3, 300_000, 0.05, 0.4, ['Sioux Falls', 571, 'Rapid City', 577, 'Aberdeen', 574]],
  ['Tennessee', 2.3, 380_000, 0.02, 0.4, ['Nashville', 372, 'Memphis', 381, 'Knoxville', 379, 'Chattanooga', 374, 'Clarksville', 370]],
  ['Texas', 8.0, 340_000, 0.08, 0.1, ['Houston', 770, 'Dallas', 752, 'San Antonio', 782, 'Austin', 787, 'Fort Worth', 761, 'El Paso', 799, 'Lubbock', 794, 'Corpus Christi', 784]],
  ['Utah', 1.0, 530_000, 0.1, 0.0, ['Salt Lake City', 841, 'Provo', 846, 'Ogden', 844, 'Saint George', 847]],
  ['Vermont', 0.3, 200_000, 0.0, 1.5, ['Burlington', 54, 'Rutland', 57, 'Montpelier', 56, 'Brattleboro', 53]],
  ['Virginia', 2.5, 390_000, 0.02, 0.2, ['Virginia Beach', 234, 'Richmond', 232, 'Norfolk', 235, 'Arlington', 222, 'Roanoke', 240, 'Chesapeake', 233]],
  ['Washington', 2.3, 580_000, 0.0, 0.1, ['Seattle', 981, 'Spokane', 992, 'Tacoma', 984, 'Vancouver', 986, 'Bellevue', 980, 'Olympia', 985]],
  ['West Virginia', 0.6, 180_000, 0.0, 0.7, ['Charleston', 253, 'Huntington', 257, 'Morgantown', 265, 'Parkersburg', 261]],
  ['Wisconsin', 1.6, 290_000, 0.0, 0.4, ['Milwaukee', 532, 'Madison', 537, 'Green Bay', 543, 'Kenosha', 531, 'Eau Claire', 547]],
  ['Wyoming', 0.2, 370_000, 0.05, 0.9, ['Cheyenne', 820, 'Casper', 826, 'Laramie', 820, 'Gillette', 827]],
  ['Puerto Rico', 0.6, 175_000, -0.25, -0.4, ['San Juan', 9, 'Ponce', 7, [730, 731], 'Mayaguez', 6, [680, 682], 'Bayamon', 9, 'Carolina', 9, 'Adjuntas', 6, [601], 'Isabela', 6, [662]]],
  ['Virgin Islands', 0.15, 235_000, -0.2, -0.2, ['Charlotte Amalie', 8, [802, 803], 'Christiansted', 8, [820], 'Frederiksted', 8, [840]]],
  ['Guam', 0.05, 350_000, -0.1, -0.5, ['Hagatna', 969, [96910], 'Dededo', 969, [96929], 'Tamuning', 969, [96913]]],
];

function parse(rows: Row[]): StateInfo[] {
  return rows.map(([name, weight, median, size, lot, list]) => {
    const cities: City[] = [];
    for (let i = 0; i < list.length; ) {
      const cityName = list[i++] as string;
      const zipPrefix = list[i++] as number;
      const city: City = { name: cityName, zipPrefix };
      if (Array.isArray(list[i])) city.zips = list[i++] as number[];
      cities.push(city);
    }
    return { name, weight, median, size, lot, cities };
  });
}

export const STATES: readonly StateInfo[] = parse(ROWS);
