import { Body, Controller, Get, Param, ParseIntPipe, PipeTransform, Put, BadRequestException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { HolidayCnFileDto, PutCalendarPeriodsDto, PutCalendarYearDto } from './calendar.dto.js';
import { CalendarService } from './calendar.service.js';

/** The year in the path, digits only; the 400 names it. */
const YEAR_INT = new ParseIntPipe({
  exceptionFactory: () => new BadRequestException(['year must be a whole number such as 2027']),
});

class YearPipe implements PipeTransform<number, number> {
  transform(value: number): number {
    if (value < 2000 || value > 2100) throw new BadRequestException(['year must be between 2000 and 2100']);
    return value;
  }
}

/** Statutory holidays and make-up working days (调休) per year. */
@ApiTags('calendar')
@ApiBearerAuth()
@Controller('v1/calendar')
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  @Get(':year')
  @May('calendar.read')
  get(@Param('year', YEAR_INT, YearPipe) year: number) {
    return this.calendar.get(year);
  }

  @Put(':year')
  @May('calendar.write')
  @ApiOperation({ summary: "Replace the year's holidays and make-up working days" })
  put(
    @Param('year', YEAR_INT, YearPipe) year: number,
    @Body() body: PutCalendarYearDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.calendar.put(year, body, principal);
  }

  @Put(':year/periods')
  @May('calendar.write')
  @ApiOperation({ summary: "Load the year from the State Council notice's holiday periods" })
  putPeriods(
    @Param('year', YEAR_INT, YearPipe) year: number,
    @Body() body: PutCalendarPeriodsDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.calendar.putPeriods(year, body.source, body.periods, principal);
  }

  @Put(':year/holiday-cn')
  @May('calendar.write')
  @ApiOperation({ summary: 'Load the year from a file in the holiday-cn JSON format' })
  putHolidayCn(
    @Param('year', YEAR_INT, YearPipe) year: number,
    @Body() body: HolidayCnFileDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.calendar.putHolidayCn(year, body, principal);
  }
}
